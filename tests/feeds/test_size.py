"""Google Calendar reportedly gives up on feeds over about 1 MB: the network's feeds stay well under."""
from __future__ import annotations

import sqlalchemy as sa
from icalendar import Calendar

from ink.events.models import EventSeries, SeriesStatus
from ink.extensions import db
from ink.organisations.models import Organisation, Topic

ONE_MB = 1_000_000
WELL_UNDER = ONE_MB * 3 // 4


def test_demo_network_feeds_are_well_under_one_megabyte(runner, client) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    paths = ["/calendar.ics", "/calendar.ics?lang=nb"]
    paths += [f"/organisations/{slug}/calendar.ics" for slug in db.session.scalars(sa.select(Organisation.slug))]
    paths += [f"/topics/{slug}/calendar.ics" for slug in db.session.scalars(sa.select(Topic.slug))]
    paths += [f"/events/{series_id}.ics" for series_id in db.session.scalars(
        sa.select(EventSeries.id).where(EventSeries.status == SeriesStatus.PUBLISHED))]
    whole = client.get("/calendar.ics")
    assert len(Calendar.from_ical(whole.data).walk("VEVENT")) >= 10  # the demo's programme is in it
    for path in paths:
        response = client.get(path)
        if response.status_code == 404:  # an organisation without public status
            continue
        assert response.status_code == 200, path
        assert len(response.data) < WELL_UNDER, path


def test_full_size_network_of_ten_years_stays_well_under_one_megabyte(runner, client) -> None:  # type: ignore[no-untyped-def]
    """The generated network of the benchmark (80 organisations, about 700 events a year, ten
    years of history): the window keeps the whole programme's feed bounded."""
    result = runner.invoke(args=["generate-data", "--organisations", "80", "--years", "10", "--seed", "1"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    body = client.get("/calendar.ics").data
    assert len(Calendar.from_ical(body).walk("VEVENT")) > 300
    assert len(body) < WELL_UNDER
