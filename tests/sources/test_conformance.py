"""Conformance: for each real-world-shaped calendar, the occurrences we store over two years (across
both clock changes) equal what recurring-ical-events computes from the file itself, after the first
sync and after every edit of the file (moved, cancelled, retitled, deleted, rule shortened)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ink.events.models import EventSeries, SeriesStatus
from ink.extensions import db
from ink.sources.models import SourceEvent
from ink.sources.sync import sync_source
from tests.sources.conftest import SOURCES_NOW, calendar_file, stored, truth, window

FILES = ["google.ics", "outlook.ics", "nextcloud.ics", "icloud.ics"]
GOOGLE_UID = "4f1l2kq0c9v8m7n6b5v4c3x2z1@google.com"


def _series_of(source) -> dict[str, EventSeries]:  # type: ignore[no-untyped-def]
    return {link.uid: link.series for link in db.session.scalars(
        sa.select(SourceEvent).where(SourceEvent.source_id == source.id))}


def _sync_and_compare(calendar_server, source, path: str, body: bytes) -> None:  # type: ignore[no-untyped-def]
    calendar_server.serve(path, body)
    result = sync_source(source.id, now=SOURCES_NOW)
    assert result.outcome in ("synced", "unchanged"), (result.message, result.params)
    db.session.expire_all()
    start, end = window()
    expected, got = truth(body, start, end), stored(source, start, end)
    assert got == expected, (sorted(expected - got)[:5], sorted(got - expected)[:5])


@pytest.mark.parametrize("name", FILES)
def test_first_sync_stores_what_the_file_means(calendar_server, make_source, name) -> None:  # type: ignore[no-untyped-def]
    source = make_source(calendar_server.base_url + "/" + name)
    body = calendar_file(name)
    _sync_and_compare(calendar_server, source, "/" + name, body)
    start, end = window()
    assert len(truth(body, start, end)) > 5
    db.session.refresh(source)
    assert source.is_failing is False and source.consecutive_failures == 0


def test_each_producer_feature_is_read(calendar_server, make_source) -> None:  # type: ignore[no-untyped-def]
    sources = {}
    for name in FILES:
        sources[name] = make_source(calendar_server.base_url + "/" + name)
        calendar_server.serve("/" + name, calendar_file(name))
        assert sync_source(sources[name].id, now=SOURCES_NOW).outcome == "synced"
    google = _series_of(sources["google.ics"])
    cafe = google[GOOGLE_UID]
    assert (cafe.title, cafe.timezone, cafe.start_local.hour, cafe.duration_minutes) == ("Språkkafé", "Europe/Oslo", 18, 120)
    assert cafe.rrule is not None and cafe.rrule.startswith("FREQ=WEEKLY;BYDAY=TU")
    assert "Alle nivåer er velkomne – ta med en venn!" in cafe.description_html  # folded lines joined
    moved = [occ for occ in cafe.occurrences if occ.is_moved]
    assert len(moved) == 2  # one override an hour later, one on another day
    camp = next(s for s in google.values() if s.title == "Sommerleir")
    assert (camp.is_all_day, camp.all_day_days) == (True, 3)
    outlook = _series_of(sources["outlook.ics"])
    group = next(s for s in outlook.values() if s.title == "Kvinnegruppa")
    assert group.timezone == "Europe/Oslo" and group.start_local.hour == 10  # W. Europe Standard Time
    assert group.rrule == "FREQ=MONTHLY;BYDAY=2TU;UNTIL=20271214T225959Z"
    assert [occ.is_cancelled for occ in group.occurrences].count(True) == 1  # the STATUS:CANCELLED instance
    icloud = _series_of(sources["icloud.ics"])
    assert next(s for s in icloud.values() if s.title == "Vintertreff").status == SeriesStatus.CANCELLED
    problems = {p["title"] for source in sources.values() for p in source.problems}
    # Rules our model cannot hold arrive as their dates, and the source page says so.
    assert problems == {"Foreldremøte", "Skitur", "Hundelufting"}
    floating = next(s for s in _series_of(sources["nextcloud.ics"]).values() if s.title == "Vårfest")
    assert (floating.timezone, floating.start_local.hour) == ("Europe/Oslo", 18)


GOOGLE_EDITS = [
    ("moved", b"RECURRENCE-ID;TZID=Europe/Oslo:20260512T180000",
     lambda body: body.replace(b"DTSTART;TZID=Europe/Oslo:20260514T180000", b"DTSTART;TZID=Europe/Oslo:20260515T170000")
     .replace(b"DTEND;TZID=Europe/Oslo:20260514T200000", b"DTEND;TZID=Europe/Oslo:20260515T193000")),
    ("cancelled", None,
     lambda body: body.replace(b"EXDATE;TZID=Europe/Oslo:20260407T180000",
                               b"EXDATE;TZID=Europe/Oslo:20260407T180000\r\nEXDATE;TZID=Europe/Oslo:20261020T180000")),
    ("retitled", None, lambda body: body.replace(b"SUMMARY:Familiel\xc3\xb8rdag", b"SUMMARY:Familiedag")),
    ("rule shortened", None, lambda body: body.replace(b"UNTIL=20270629T160000Z", b"UNTIL=20261201T170000Z")),
    ("deleted", None, lambda body: _without_event(body, b"UID:7abc9def0ghi1jkl2mno3pqr4s@google.com")),
]


def _without_event(body: bytes, marker: bytes) -> bytes:
    at = body.index(marker)
    begin = body.rindex(b"BEGIN:VEVENT", 0, at)
    end = body.index(b"END:VEVENT\r\n", at) + len(b"END:VEVENT\r\n")
    return body[:begin] + body[end:]


def test_edits_between_syncs_keep_the_truth(calendar_server, make_source) -> None:  # type: ignore[no-untyped-def]
    source = make_source(calendar_server.base_url + "/google.ics")
    body = calendar_file("google.ics")
    _sync_and_compare(calendar_server, source, "/google.ics", body)
    ids = {uid: series.id for uid, series in _series_of(source).items()}
    for label, _marker, edit in GOOGLE_EDITS:
        body = edit(body)
        _sync_and_compare(calendar_server, source, "/google.ics", body)
        # Updated in place by UID: never a duplicate.
        now_ids = {uid: series.id for uid, series in _series_of(source).items()}
        assert now_ids == ids, label
    series = _series_of(source)
    assert series["9zz8yy7xx6ww5vv4uu3tt2ss1r@google.com"].title == "Familiedag"
    removed = series["7abc9def0ghi1jkl2mno3pqr4s@google.com"]
    assert removed.status == SeriesStatus.CANCELLED  # deleted at the source: cancelled here, not deleted


@pytest.mark.parametrize("name", ["outlook.ics", "nextcloud.ics", "icloud.ics"])
def test_edits_of_other_producers_keep_the_truth(calendar_server, make_source, name) -> None:  # type: ignore[no-untyped-def]
    source = make_source(calendar_server.base_url + "/" + name)
    body = calendar_file(name)
    _sync_and_compare(calendar_server, source, "/" + name, body)
    edits = {
        "outlook.ics": [lambda b: b.replace(b"UNTIL=20271214T090000Z", b"UNTIL=20261110T090000Z"),
                        lambda b: b.replace(b"SUMMARY;LANGUAGE=nb-NO:Kvinnegruppa", b"SUMMARY;LANGUAGE=nb-NO:Kvinnetreff")],
        "nextcloud.ics": [lambda b: b.replace(b"DURATION:PT1H30M", b"DURATION:PT2H"),
                          lambda b: b.replace(b"BYDAY=MO,WE;UNTIL=20271215T163000", b"BYDAY=MO;UNTIL=20270601T163000")],
        "icloud.ics": [lambda b: b.replace(b"COUNT=40", b"COUNT=12"),
                       lambda b: b.replace(b"RDATE:20260321T100000Z,20260418T080000Z", b"RDATE:20260418T080000Z")],
    }[name]
    for edit in edits:
        edited = edit(body)
        assert edited != body
        body = edited
        _sync_and_compare(calendar_server, source, "/" + name, body)


@pytest.mark.parametrize("name", FILES)
def test_our_feed_says_what_the_source_says(calendar_server, make_source, client, name) -> None:  # type: ignore[no-untyped-def]
    """Residents' calendars read our /calendar.ics: its dates (expanded by recurring-ical-events) equal
    the source's, including events imported as explicit dates (our feed writes them as RDATEs)."""
    source = make_source(calendar_server.base_url + "/" + name)
    body = calendar_file(name)
    _sync_and_compare(calendar_server, source, "/" + name, body)
    start, end = window()
    feed = client.get("/calendar.ics").data
    ours = {(begins, ends) for _uid, begins, ends in truth(feed, start, end)}
    theirs = {(begins, ends) for _uid, begins, ends in truth(body, start, end)}
    assert ours == theirs, (sorted(theirs - ours)[:5], sorted(ours - theirs)[:5])
