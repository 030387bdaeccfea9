"""Every VEVENT of a feed (METHOD:PUBLISH) has an ORGANIZER: RFC 5546 §3.2.1 (issue #8)."""
from __future__ import annotations

from datetime import datetime

import pytest
from icalendar import Calendar

from ink.events.recurrence import Recurrence


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"NETWORK_EMAIL": "post@ink.example.org"}


def _organizers(body: bytes) -> dict[str, tuple[str, str]]:
    """SUMMARY -> (CN, address) of every VEVENT."""
    found = {}
    for event in Calendar.from_ical(body).walk("VEVENT"):
        organizer = event["ORGANIZER"]
        found[str(event["SUMMARY"])] = (str(organizer.params["CN"]), str(organizer))
    return found


def test_organizer_is_the_organisation_with_its_address_or_the_networks(client, factory) -> None:  # type: ignore[no-untyped-def]
    school = factory.organisation("Polish Saturday School", contact_email="skole@example.org")
    tricky = factory.organisation('Kafé "Ø", Oslo; Ålesund: ja')
    factory.series(title="Lessons", organisation=school, recurrence=Recurrence(freq="weekly", end="count", count=3))
    factory.series(title="Coffee", organisation=tricky, start_local=datetime(2026, 6, 5, 18, 0))
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    text = response.data.decode().replace("\r\n ", "")  # unfolded
    assert 'ORGANIZER;CN="Polish Saturday School":mailto:skole@example.org\r\n' in text
    # RFC 6868 escapes the quotes; the comma, semicolon and colon are inside a quoted value.
    assert "ORGANIZER;CN=\"Kafé ^'Ø^', Oslo; Ålesund: ja\":mailto:post@ink.example.org\r\n" in text
    assert _organizers(response.data) == {
        "Lessons": ("Polish Saturday School", "mailto:skole@example.org"),
        "Coffee": ('Kafé "Ø", Oslo; Ålesund: ja', "mailto:post@ink.example.org"),
    }


def test_overrides_and_single_date_downloads_have_an_organizer_too(client, factory) -> None:  # type: ignore[no-untyped-def]
    from ink.events.service import cancel_occurrence
    from ink.extensions import db

    series = factory.series(title="Weekly", recurrence=Recurrence(freq="weekly", end="count", count=3))
    occ = series.occurrences[1]
    cancel_occurrence(occ, reason="Holiday", now=factory.clock.now())
    db.session.commit()
    series_id, occ_id, name = series.id, occ.id, series.organisation.name
    events = Calendar.from_ical(client.get(f"/events/{series_id}.ics").data).walk("VEVENT")
    assert len(events) == 2 and all(str(e["ORGANIZER"].params["CN"]) == name for e in events)
    download = Calendar.from_ical(client.get(f"/events/{series_id}/dates/{occ_id}.ics").data).walk("VEVENT")
    assert str(download[0]["ORGANIZER"]) == "mailto:post@ink.example.org"
