"""Venue screens (coordinators) and the venue services behind them."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ink.core.errors import ValidationFailed
from ink.events.models import Venue
from ink.events.service import VenueData, create_venue, update_venue
from ink.extensions import db


@pytest.fixture
def coordinator(factory, auth):  # type: ignore[no-untyped-def]
    factory.coordinator()
    auth.login("coordinator@example.org")


def _venues() -> list[Venue]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Venue).order_by(Venue.id)))


def test_create_and_edit_venue(client, coordinator):
    response = client.post("/manage/venues/new", data={
        "name": "Deichman Library", "address": "Anne-Cath. Vestlys plass 1", "latitude": "59.9087",
        "longitude": "10.7527", "accessibility": "Step-free entrance", "capacity": "120"})
    assert response.status_code == 302
    (venue,) = _venues()
    assert (venue.slug, venue.latitude, venue.longitude, venue.capacity) == ("deichman-library", 59.9087, 10.7527, 120)
    assert "Deichman Library" in client.get("/manage/venues/").get_data(as_text=True)
    page = client.get(f"/manage/venues/{venue.id}/edit").get_data(as_text=True)
    assert 'value="Deichman Library"' in page and "59.9087" in page
    response = client.post(f"/manage/venues/{venue.id}/edit", data={"name": "Main library", "capacity": "0"})
    assert response.status_code == 302
    (venue,) = _venues()
    assert venue.name == "Main library" and venue.capacity == 0 and venue.latitude is None


def test_same_name_gets_its_own_slug(client, coordinator):
    client.post("/manage/venues/new", data={"name": "Hall"})
    client.post("/manage/venues/new", data={"name": "Hall"})
    assert [venue.slug for venue in _venues()] == ["hall", "hall-2"]


@pytest.mark.parametrize(("data", "field"), [
    ({"name": ""}, "name"),
    ({"name": "x" * 161}, "name"),
    ({"name": "Hall", "address": "x" * 301}, "address"),
    ({"name": "Hall", "latitude": "91", "longitude": "10"}, "latitude"),
    ({"name": "Hall", "latitude": "-90.5", "longitude": "10"}, "latitude"),
    ({"name": "Hall", "latitude": "59", "longitude": "181"}, "longitude"),
    ({"name": "Hall", "latitude": "north", "longitude": "10"}, "latitude"),
    ({"name": "Hall", "latitude": "59"}, "longitude"),
    ({"name": "Hall", "longitude": "10"}, "longitude"),
    ({"name": "Hall", "capacity": "-1"}, "capacity"),
    ({"name": "Hall", "capacity": "lots"}, "capacity"),
    ({"name": "Hall", "accessibility": "x" * 2001}, "accessibility"),
])
def test_bad_venue_input_is_422_with_field_error(client, coordinator, data, field):
    response = client.post("/manage/venues/new", data=data)
    assert response.status_code == 422
    assert f'id="{field}-errors"' in response.get_data(as_text=True)
    assert _venues() == []


def test_bad_edit_changes_nothing(client, coordinator, factory):
    venue = factory.venue("Hall", capacity=10)
    response = client.post(f"/manage/venues/{venue.id}/edit", data={"name": "Hall", "capacity": "-5"})
    assert response.status_code == 422
    assert _venues()[0].capacity == 10


def test_venue_service_checks(app):
    with pytest.raises(ValidationFailed) as error:
        create_venue(VenueData(name="  "))
    assert error.value.field == "name"
    venue = create_venue(VenueData(name="Hall", latitude=59.9, longitude=10.7, capacity=5))
    for bad, field in [(VenueData(name="Hall", latitude=100, longitude=0), "latitude"),
                       (VenueData(name="Hall", latitude=0, longitude=-200), "longitude"),
                       (VenueData(name="Hall", latitude=1), "longitude"),
                       (VenueData(name="Hall", capacity=-1), "capacity")]:
        with pytest.raises(ValidationFailed) as error:
            update_venue(venue, bad)
        assert error.value.field == field
    assert venue.capacity == 5
