"""Fetching: conditional GET (an unchanged calendar costs one 304), the same bytes change nothing (our
feed keeps its bytes and ETag), bad sources leave the previous state intact with a clear status, the
refusal of private addresses, and the failure notice sent once."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ink.events.models import EventSeries, Occurrence
from ink.extensions import db
from ink.reminders.models import OutboxMessage
from ink.sources.fetch import FetchError, FetchSettings, check_address, fetch_calendar, normalise_url
from ink.sources.models import CalendarSource
from ink.sources.sync import sync_source
from tests.sources.conftest import SOURCES_NOW, calendar_file, stored, window


def _snapshot(source: CalendarSource) -> tuple[object, ...]:
    db.session.expire_all()
    start, end = window()
    series = db.session.scalars(sa.select(EventSeries).order_by(EventSeries.id)).all()
    return (frozenset(stored(source, start, end)), tuple((s.id, s.title, s.sequence, s.version, s.status) for s in series),
            db.session.scalar(sa.select(sa.func.count()).select_from(Occurrence)))


def test_an_unchanged_calendar_costs_one_304_and_changes_nothing(calendar_server, make_source, client) -> None:  # type: ignore[no-untyped-def]
    url = calendar_server.serve("/g.ics", calendar_file("google.ics"))
    source = make_source(url)
    assert sync_source(source.id, now=SOURCES_NOW).outcome == "synced"
    feed = client.get("/calendar.ics")
    before = _snapshot(source)
    assert sync_source(source.id, now=SOURCES_NOW).outcome == "not-modified"
    assert calendar_server.statuses("/g.ics") == [200, 304]
    assert _snapshot(source) == before
    again = client.get("/calendar.ics")
    assert (again.data, again.headers["ETag"]) == (feed.data, feed.headers["ETag"])


def test_the_same_bytes_without_validators_change_nothing(calendar_server, make_source, client) -> None:  # type: ignore[no-untyped-def]
    url = calendar_server.serve("/g.ics", calendar_file("google.ics"), validators=False)
    source = make_source(url)
    assert sync_source(source.id, now=SOURCES_NOW).outcome == "synced"
    feed = client.get("/calendar.ics")
    before = _snapshot(source)
    assert sync_source(source.id, now=SOURCES_NOW).outcome == "unchanged"
    # Google rewrites DTSTAMP on every export: a new body that says the same changes nothing either.
    calendar_server.serve("/g.ics", calendar_file("google.ics").replace(b"DTSTAMP:20260105T101010Z",
                                                                        b"DTSTAMP:20260110T115959Z"), validators=False)
    assert sync_source(source.id, now=SOURCES_NOW).outcome == "synced"
    assert _snapshot(source) == before
    again = client.get("/calendar.ics")
    assert (again.data, again.headers["ETag"]) == (feed.data, feed.headers["ETag"])


BAD = {
    "404": dict(status=404, body=b"gone"),
    "500": dict(status=500, body=b"oops"),
    "html": dict(body=b"<!DOCTYPE html><html><body>Sign in to Google</body></html>", content_type="text/html"),
    "truncated": "truncated",
    "invalid date": "invalid date",
    "huge": dict(endless_bytes=50_000_000),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_source_leaves_the_previous_state(calendar_server, make_source, case) -> None:  # type: ignore[no-untyped-def]
    good = calendar_file("google.ics")
    url = calendar_server.serve("/g.ics", good)
    source = make_source(url)
    assert sync_source(source.id, now=SOURCES_NOW).outcome == "synced"
    before = _snapshot(source)
    behaviour = BAD[case]
    if behaviour == "truncated":
        calendar_server.serve("/g.ics", good[: len(good) // 2])
    elif behaviour == "invalid date":
        calendar_server.serve("/g.ics", good.replace(b"DTSTART;TZID=Europe/Oslo:20260110T110000",
                                                     b"DTSTART;TZID=Europe/Oslo:20261310T110000"))
    else:
        calendar_server.serve("/g.ics", **behaviour)  # type: ignore[arg-type]
    result = sync_source(source.id, now=SOURCES_NOW)
    assert result.outcome == "failed"
    assert _snapshot(source) == before
    db.session.refresh(source)
    assert source.is_failing and source.status_message and source.consecutive_failures == 1
    assert source.lease_until is None


def test_a_timeout_and_a_redirect_loop_fail_cleanly(calendar_server, make_source, app) -> None:  # type: ignore[no-untyped-def]
    app.config["SYNC_TIMEOUT_SECONDS"] = 0.5
    slow = make_source(calendar_server.serve("/slow.ics", calendar_file("google.ics"), delay=1.5))
    result = sync_source(slow.id, now=SOURCES_NOW)
    assert (result.outcome, result.message) == ("failed", "The server took too long (more than %(seconds)s seconds).")
    calendar_server.serve("/a.ics", redirect_to=calendar_server.base_url + "/b.ics")
    calendar_server.serve("/b.ics", redirect_to=calendar_server.base_url + "/a.ics")
    loop = make_source(calendar_server.base_url + "/a.ics")
    result = sync_source(loop.id, now=SOURCES_NOW)
    assert (result.outcome, result.message) == ("failed", "Too many redirects (more than %(limit)s).")
    assert len(calendar_server.statuses("/a.ics")) == 3  # the first request and two more hops of five


def test_a_redirect_is_followed(calendar_server, make_source) -> None:  # type: ignore[no-untyped-def]
    calendar_server.serve("/new.ics", calendar_file("outlook.ics"))
    source = make_source(calendar_server.serve("/old.ics", redirect_to="/new.ics"))
    assert sync_source(source.id, now=SOURCES_NOW).outcome == "synced"


def test_private_addresses_are_refused_without_the_setting(calendar_server, make_source, app) -> None:  # type: ignore[no-untyped-def]
    app.config["SYNC_ALLOW_PRIVATE"] = False
    source = make_source(calendar_server.serve("/g.ics", calendar_file("google.ics")))
    result = sync_source(source.id, now=SOURCES_NOW)
    assert result.outcome == "failed"
    assert result.message == "The address points into a private network (%(address)s): refused."
    assert calendar_server.log == []  # not even one request reached it
    for address in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.5.5", "169.254.169.254", "::1", "fe80::1",
                    "::ffff:127.0.0.1", "0.0.0.0", "100.64.0.1"):
        with pytest.raises(FetchError):
            check_address(address, allow_private=False)
    check_address("93.184.216.34", allow_private=False)


def test_a_redirect_into_the_private_network_is_refused(calendar_server) -> None:  # type: ignore[no-untyped-def]
    calendar_server.serve("/hop.ics", redirect_to="http://10.0.0.1/internal")
    with pytest.raises(FetchError) as caught:
        # The loopback server itself is allowed here only to reach the first hop; the target is refused.
        fetch_calendar(calendar_server.base_url + "/hop.ics", etag=None, last_modified=None,
                       settings=FetchSettings(allow_http=True, allow_private=False))
    assert "private network" in caught.value.message


def test_urls() -> None:
    assert normalise_url("webcal://p12-caldav.icloud.com/published/2/abc") == "https://p12-caldav.icloud.com/published/2/abc"
    for bad in ("http://example.org/cal.ics", "ftp://example.org/x", "file:///etc/passwd", "javascript:alert(1)"):
        with pytest.raises(FetchError):
            normalise_url(bad)
    assert normalise_url("http://example.org/c.ics", allow_http=True) == "http://example.org/c.ics"


def test_editors_are_told_once_when_a_source_keeps_failing(calendar_server, make_source, factory, clock) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Kvinnegruppa")
    editor = factory.user("editor@example.org", editor_of=[organisation])
    source = make_source(calendar_server.serve("/x.ics", status=500), organisation=organisation)
    for minutes in range(5):
        clock.advance(minutes=15)
        assert sync_source(source.id, now=clock.now()).outcome == "failed"
    rows = db.session.scalars(sa.select(OutboxMessage)).all()
    assert [row.recipient for row in rows] == [editor.email]
    calendar_server.serve("/x.ics", calendar_file("outlook.ics"))
    clock.advance(minutes=15)
    assert sync_source(source.id, now=clock.now()).outcome == "synced"
    db.session.refresh(source)
    assert (source.consecutive_failures, source.failure_notified, source.is_failing) == (0, False, False)
