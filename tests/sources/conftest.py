"""Fixtures for calendar sources: a real HTTP server on loopback serving calendar files, and helpers
that compare what we store with what recurring-ical-events computes from the file itself."""
from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
import sqlalchemy as sa
import x_wr_timezone

from ink.core.clock import FrozenClock
from ink.core.time import local_midnight_utc, local_to_utc
from ink.events.models import EventSeries, Occurrence
from ink.extensions import db
from ink.sources.models import CalendarSource, SourceEvent

UTC = timezone.utc
CALENDARS = Path(__file__).parent / "calendars"
# A Saturday in winter: the two-year window crosses the clock changes of 2026 and 2027.
SOURCES_NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
NETWORK_TZ = "Europe/Oslo"


def calendar_file(name: str) -> bytes:
    return (CALENDARS / name).read_bytes()


@dataclass
class Served:
    """What the server answers on one path: a body with an ETag, or a behaviour."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/calendar; charset=utf-8"
    redirect_to: str | None = None
    delay: float = 0.0
    endless_bytes: int = 0  # stream this many bytes (a huge body), Content-Length claiming little
    validators: bool = True


@dataclass
class CalendarServer:
    base_url: str
    paths: dict[str, Served] = field(default_factory=dict)
    log: list[tuple[str, int]] = field(default_factory=list)

    def serve(self, path: str, body: bytes = b"", **kwargs: object) -> str:
        self.paths[path] = Served(body=body, **kwargs)  # type: ignore[arg-type]
        return self.base_url + path

    def statuses(self, path: str) -> list[int]:
        return [status for logged, status in self.log if logged == path]


def _handler(server_state: CalendarServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("?")[0]
            served = server_state.paths.get(path)
            if served is None:
                return self._answer(path, 404, b"not found", "text/plain")
            if served.delay:
                time.sleep(served.delay)  # the server side of a timeout test: the client must give up
            if served.redirect_to is not None:
                server_state.log.append((path, 302))
                self.send_response(302)
                self.send_header("Location", served.redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if served.endless_bytes:
                server_state.log.append((path, 200))
                self.send_response(200)
                self.send_header("Content-Type", served.content_type)
                self.send_header("Content-Length", "100")
                self.end_headers()
                chunk = b"X" * 65536
                sent = 0
                try:
                    while sent < served.endless_bytes:
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except OSError:
                    pass
                return
            etag = '"' + hashlib.sha256(served.body).hexdigest()[:16] + '"'
            if served.status == 200 and served.validators and self.headers.get("If-None-Match") == etag:
                server_state.log.append((path, 304))
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self._answer(path, served.status, served.body, served.content_type,
                         etag if served.validators and served.status == 200 else None)

        def _answer(self, path: str, status: int, body: bytes, content_type: str, etag: str | None = None) -> None:
            server_state.log.append((path, status))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture
def calendar_server() -> Iterator[CalendarServer]:
    state = CalendarServer(base_url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(SOURCES_NOW)


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"SYNC_ALLOW_PRIVATE": True, "SYNC_ALLOW_HTTP": True, "SYNC_TIMEOUT_SECONDS": 2}


@pytest.fixture
def make_source(factory) -> Callable[..., CalendarSource]:  # type: ignore[no-untyped-def]
    def make(url: str, *, organisation=None, **kwargs: object) -> CalendarSource:  # type: ignore[no-untyped-def]
        source = CalendarSource(organisation=organisation or factory.organisation(), name=kwargs.pop("name", "Calendar"),
                                url=url, created_at=factory.clock.now(), **kwargs)
        db.session.add(source)
        db.session.commit()
        return source
    return make


# --- the truth: what recurring-ical-events computes from the file itself ---------------------------

def _utc(value: date | datetime) -> datetime:
    if not isinstance(value, datetime):
        return local_midnight_utc(value, NETWORK_TZ)
    if value.tzinfo is None:
        return local_to_utc(value, NETWORK_TZ)
    return value.astimezone(UTC)


def truth(body: bytes, start: datetime, end: datetime) -> set[tuple[str, datetime, datetime]]:
    """(UID, start, end) of every instance that takes place and starts in [start, end)."""
    calendar = x_wr_timezone.to_standard(icalendar.Calendar.from_ical(body.decode("utf-8-sig")))
    found = set()
    for event in recurring_ical_events.of(calendar).between(start, end):
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        begins = _utc(event.decoded("DTSTART"))
        if not start <= begins < end:
            continue
        if "DTEND" in event:
            ends = _utc(event.decoded("DTEND"))
        elif "DURATION" in event:
            ends = begins + event.decoded("DURATION")
        else:
            ends = begins + (timedelta(days=1) if not isinstance(event.decoded("DTSTART"), datetime) else timedelta(0))
        found.add((str(event["UID"]), begins, ends))
    return found


def stored(source: CalendarSource, start: datetime, end: datetime) -> set[tuple[str, datetime, datetime]]:
    """(UID, start, end) of every stored occurrence of the source's series that takes place in [start, end)."""
    rows = db.session.execute(
        sa.select(SourceEvent.uid, Occurrence)
        .join(EventSeries, EventSeries.id == SourceEvent.series_id)
        .join(Occurrence, Occurrence.series_id == EventSeries.id)
        .where(SourceEvent.source_id == source.id, Occurrence.start_at >= start, Occurrence.start_at < end)
    ).all()
    return {(uid, occ.start_at, occ.end_at) for uid, occ in rows if not occ.is_cancelled}


def window(now: datetime = SOURCES_NOW) -> tuple[datetime, datetime]:
    return now, now + timedelta(days=730)
