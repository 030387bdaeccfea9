"""Calendar sources benchmark (issue 13): syncing a member's calendar of 200 series with two years of
overrides (moved and cancelled instances), served by a loopback HTTP server.

Times and counts the queries of: the first import; an unchanged re-sync answered 304 (conditional GET);
an unchanged re-sync answered 200 with the same bytes (no validators: the body's hash matches); and a
re-sync of a changed file that brings nothing new (every DTSTAMP rewritten, as Google does: each event's
digest matches, nothing is written).

    python -m bench.sources
    python -m bench.sources --database-url postgresql+psycopg://postgres@127.0.0.1:5432/ink_bench

A database given here is EMPTIED first (all tables dropped): use a scratch database.
"""
from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sqlalchemy as sa

from bench.common import add_database_url, bench_app, dispose, fresh_database, sqlite_url

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=timezone.utc)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sources", description=__doc__.split("\n\n")[0])
    add_database_url(parser, "SQLAlchemy URL (default: a temporary SQLite file). The database is emptied first.")
    parser.add_argument("--series", type=int, default=200, help="Weekly series in the calendar.")
    return parser.parse_args(argv)


def calendar_bytes(series: int, stamp: str = "20260105T101010Z") -> bytes:
    """A Google-shaped calendar: weekly series, each with a moved instance every 5th week and a cancelled
    one every 7th over two years (overrides), and an EXDATE."""
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
             "X-WR-CALNAME:Benchmark", "X-WR-TIMEZONE:Europe/Oslo"]
    first = date(2026, 1, 12)
    for n in range(series):
        day = first + timedelta(days=n % 7)
        hour = 9 + n % 10
        uid = f"bench-{n}@google.com"
        start = f"{day:%Y%m%d}T{hour:02d}0000"
        lines += ["BEGIN:VEVENT", f"DTSTART;TZID=Europe/Oslo:{start}", f"DTEND;TZID=Europe/Oslo:{day:%Y%m%d}T{hour + 1:02d}3000",
                  f"RRULE:FREQ=WEEKLY;BYDAY={WEEKDAYS[day.weekday()]}", f"DTSTAMP:{stamp}", f"UID:{uid}",
                  f"SUMMARY:Activity {n}", f"DESCRIPTION:Weekly activity number {n}.",
                  f"EXDATE;TZID=Europe/Oslo:{(day + timedelta(weeks=3)):%Y%m%d}T{hour:02d}0000", "END:VEVENT"]
        for week in range(1, 104):
            if week % 5 and week % 7:
                continue
            original = day + timedelta(weeks=week)
            rid = f"{original:%Y%m%d}T{hour:02d}0000"
            lines += ["BEGIN:VEVENT", f"RECURRENCE-ID;TZID=Europe/Oslo:{rid}", f"DTSTAMP:{stamp}", f"UID:{uid}",
                      f"SUMMARY:Activity {n}"]
            if week % 7 == 0:
                lines += [f"DTSTART;TZID=Europe/Oslo:{rid}", f"DTEND;TZID=Europe/Oslo:{original:%Y%m%d}T{hour + 1:02d}3000",
                          "STATUS:CANCELLED"]
            else:
                moved = original + timedelta(days=1)
                lines += [f"DTSTART;TZID=Europe/Oslo:{moved:%Y%m%d}T{hour:02d}0000",
                          f"DTEND;TZID=Europe/Oslo:{moved:%Y%m%d}T{hour + 1:02d}3000"]
            lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


class _Server:
    def __init__(self) -> None:
        self.body = b""
        self.validators = True
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                etag = f'"{hash(server.body) & 0xFFFFFFFF:x}"'
                if server.validators and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(server.body)))
                if server.validators:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(server.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/calendar.ics"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def timed(app, run: Callable[[], object]) -> tuple[float, int, object]:  # type: ignore[no-untyped-def]
    """(seconds, queries, result) of one run inside an app context."""
    from ink.extensions import db

    counter = {"n": 0}

    def before(*_args: object) -> None:
        counter["n"] += 1

    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            started = time.perf_counter()
            result = run()
            seconds = time.perf_counter() - started
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)
            db.session.remove()
    return seconds, counter["n"], result


def main(argv: list[str] | None = None) -> int:
    from ink.core.clock import FrozenClock
    from ink.events.models import Occurrence
    from ink.extensions import db
    from ink.organisations.models import OrganisationModeration, OrganisationStatus
    from ink.organisations.service import OrganisationData, create_organisation
    from ink.sources.models import CalendarSource
    from ink.sources.sync import sync_source

    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ink-bench-sources-") as tmp:
        url = args.database_url or sqlite_url(tmp)
        app = bench_app(url, CLOCK=FrozenClock(NOW), SYNC_ALLOW_PRIVATE=True, SYNC_ALLOW_HTTP=True)
        fresh_database(app)
        server = _Server()
        server.body = calendar_bytes(args.series)
        with app.app_context():
            organisation = create_organisation(OrganisationData(name="Benchmark organisation"), now=NOW,
                                               status=OrganisationStatus.ACTIVE, moderation=OrganisationModeration.TRUSTED)
            source = CalendarSource(organisation=organisation, name="Benchmark", url=server.url, created_at=NOW,
                                    problems=[], status_params={})
            db.session.add(source)
            db.session.commit()
            source_id = source.id
        print(f"calendar: {args.series} series, {len(server.body) / 1e6:.1f} MB, database {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}")
        rows = []
        seconds, queries, result = timed(app, lambda: sync_source(source_id, now=NOW))
        with app.app_context():
            occurrences = db.session.scalar(sa.select(sa.func.count()).select_from(Occurrence))
        rows.append(("first import", seconds, queries, f"{result.outcome}, {result.created} series, {occurrences} occurrences"))  # type: ignore[attr-defined]
        seconds, queries, result = timed(app, lambda: sync_source(source_id, now=NOW))
        rows.append(("unchanged, 304", seconds, queries, result.outcome))  # type: ignore[attr-defined]
        server.validators = False
        seconds, queries, result = timed(app, lambda: sync_source(source_id, now=NOW))
        rows.append(("unchanged, 200 same bytes", seconds, queries, result.outcome))  # type: ignore[attr-defined]
        server.body = calendar_bytes(args.series, stamp="20260110T115959Z")
        seconds, queries, result = timed(app, lambda: sync_source(source_id, now=NOW))
        rows.append(("changed file, nothing new", seconds, queries, f"{result.outcome}, {result.updated} updated"))  # type: ignore[attr-defined]
        print(f"{'sync':<28} {'seconds':>8} {'queries':>8}  outcome")
        for name, secs, count, outcome in rows:
            print(f"{name:<28} {secs:8.3f} {count:8d}  {outcome}")
        server.httpd.shutdown()
        dispose(app)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
