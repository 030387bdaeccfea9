"""The raw digest: an event whose VEVENT blocks say the same (DTSTAMP, LAST-MODIFIED and SEQUENCE aside)
is neither parsed nor expanded; a change to its master or to one of its overrides maps it again."""
from __future__ import annotations

import re

from ink.sources.mapping import map_calendar, raw_digest, split_calendar
from tests.sources.conftest import calendar_file, window

NETWORK_TZ = "Europe/Oslo"


def _map(body: bytes, known: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    start, end = window()
    return map_calendar(body, window_start=start, window_end=end, network_tz=NETWORK_TZ, known=known)


def test_unchanged_events_are_skipped_and_changed_ones_mapped() -> None:
    body = calendar_file("google.ics")
    first = _map(body)
    known = {event.uid: event.digest for event in first.events}
    assert len(known) == 3 and first.unchanged == []
    noisy = body.replace(b"DTSTAMP:20260105T101010Z", b"DTSTAMP:20260110T115959Z") \
        .replace(b"END:VEVENT", b"LAST-MODIFIED:20260110T115959Z\r\nEND:VEVENT")
    noisy = re.sub(rb"SEQUENCE:\d+", b"SEQUENCE:7", noisy)
    again = _map(noisy, known)
    assert (again.events, sorted(again.unchanged), again.name) == ([], sorted(known), first.name)
    # Folding a line differently is the same text.
    assert raw_digest(split_calendar(noisy.decode().replace("SUMMARY:Sommerleir", "SUMMARY:Sommer\r\n leir"))
                      .events["7abc9def0ghi1jkl2mno3pqr4s@google.com"]) == \
        raw_digest(split_calendar(noisy.decode()).events["7abc9def0ghi1jkl2mno3pqr4s@google.com"])
    changed = _map(noisy.replace(b"SUMMARY:Sommerleir", b"SUMMARY:Sommerleir!"), known)
    assert [event.title for event in changed.events] == ["Sommerleir!"]
    assert len(changed.unchanged) == 2
    # The mapped event is what a full mapping says about it.
    full = {event.uid: event for event in _map(noisy.replace(b"SUMMARY:Sommerleir", b"SUMMARY:Sommerleir!")).events}
    assert changed.events[0] == full[changed.events[0].uid]
