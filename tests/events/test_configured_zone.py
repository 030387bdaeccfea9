"""The network's zone comes from TIMEZONE: a new series, a bare EventSeries and the feeds follow the setting."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from icalendar import Calendar

from ink.events.models import EventSeries
from ink.events.recurrence import Recurrence
from ink.extensions import db

ZONE = "America/Halifax"


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"TIMEZONE": ZONE}


def test_a_new_series_takes_the_configured_zone(app, factory):  # type: ignore[no-untyped-def]
    series = factory.series(start_local=datetime(2026, 6, 2, 18, 0), recurrence=Recurrence(freq="weekly"))
    assert series.timezone == ZONE
    assert series.start_at == datetime(2026, 6, 2, 21, 0, tzinfo=timezone.utc)  # 18:00 ADT is 21:00Z


def test_the_column_default_is_the_configured_zone(app, factory):  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Library")
    series = EventSeries(title="Bare", organisation=organisation, start_local=datetime(2026, 6, 2, 18, 0),
                         created_at=datetime(2026, 5, 1, tzinfo=timezone.utc),
                         updated_at=datetime(2026, 5, 1, tzinfo=timezone.utc))
    db.session.add(series)
    db.session.flush()
    assert series.timezone == ZONE


def test_the_programme_feed_names_the_configured_zone(client, factory):  # type: ignore[no-untyped-def]
    factory.series(start_local=datetime(2026, 6, 2, 18, 0), recurrence=Recurrence(freq="weekly"))
    calendar = Calendar.from_ical(client.get("/calendar.ics").data)
    assert str(calendar["X-WR-TIMEZONE"]) == ZONE
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == [ZONE]
