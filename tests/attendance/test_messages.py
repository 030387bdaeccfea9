"""Service errors are msgids with parameters (ink/core/errors.py); the web layer translates them
for the visitor, on form fields, door pages and JSON alike."""
from __future__ import annotations

import uuid

import pytest

from ink.attendance.models import CountMethod
from ink.attendance.service import add_category, create_door_link, door_link_token, record_attendance, revoke_door_link
from ink.core.errors import ValidationFailed
from ink.extensions import db

NB = {"Accept-Language": "nb"}


def test_service_raises_untranslated_msgids_with_parameters(app, network, clock):  # type: ignore[no-untyped-def]
    children = add_category(network.series, "Children")
    adults = add_category(network.series, "Adults")
    with pytest.raises(ValidationFailed) as caught:  # no request context: the service needs none
        record_attendance(network.past(), total=10, breakdown={children.id: 3, adults.id: 5},
                          method=CountMethod.HEAD_COUNT, user=None, now=clock.now())
    error = caught.value
    assert error.message == "The categories add up to %(sum)d, but the total is %(total)d."
    assert (error.field, error.params) == ("total", {"sum": 8, "total": 10})
    assert str(error) == "The categories add up to 8, but the total is 10."


def test_form_field_errors_from_the_service_are_in_the_visitors_language(client, auth, network):  # type: ignore[no-untyped-def]
    children = add_category(network.series, "Children")
    adults = add_category(network.series, "Adults")
    db.session.commit()
    auth.login("editor@example.org")
    occ = network.past()
    response = client.post(f"/manage/attendance/occurrences/{occ.id}", headers=NB,
                           data={"total": "10", "method": "head_count",
                                 f"category_{children.id}": "3", f"category_{adults.id}": "5"})
    assert response.status_code == 422
    assert "Kategoriene blir til sammen 8, men totalen er 10." in response.get_data(as_text=True)
    over = client.post(f"/manage/attendance/occurrences/{occ.id}", headers=NB,
                       data={"total": "31", "method": "head_count"})
    assert over.status_code == 422
    assert "31 er mer enn stedets kapasitet på 30." in over.get_data(as_text=True)
    named = client.post(f"/manage/attendance/series/{network.series.id}/categories", headers=NB,
                        data={"name": "children"})
    assert named.status_code == 422
    assert "Arrangementet har allerede denne kategorien." in named.get_data(as_text=True)


def test_door_pages_and_json_errors_are_translated(client, network, clock):  # type: ignore[no-untyped-def]
    link = create_door_link(network.today(), user=network.editor, now=clock.now())
    revoke_door_link(link, now=clock.now())
    db.session.commit()
    path = f"/door/{door_link_token(link)}"
    page = client.get(path, headers=NB)
    assert page.status_code == 410
    assert "Arrangøren har slått av denne tellelenken." in page.get_data(as_text=True)
    tap = client.post(f"{path}/tap", headers=NB, json={"delta": 1, "tap_id": str(uuid.uuid4())})
    assert tap.status_code == 410
    assert tap.get_json()["error"] == "Arrangøren har slått av denne tellelenken."
