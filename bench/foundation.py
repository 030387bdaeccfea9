"""Foundation benchmark (issue #2): programme page, event page and a month's occurrences; the programme's
free-text search (issue #11: within 5× the plain programme page).

Builds a database through the migrations, fills it with `generate-data` (80 organisations,
10 years by default), then times each operation many times with the app's test client (and,
with --server, over HTTP against a real local server) and reports median and p95 as ratios to
`/healthz` measured in the same run, so figures compare across machines.

    python -m bench                                  # temporary SQLite file (= python -m bench.foundation)
    python -m bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/ink_bench
    INK_BENCH_DATABASE_URL=... python -m bench --server

A database given here is EMPTIED first (all tables dropped): use a scratch database.
"""
from __future__ import annotations

import argparse
import http.client
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from bench.common import (
    WARMUP,
    add_database_url,
    add_network_options,
    bench_app,
    dispose,
    fresh_database,
    generate,
    measure,
    print_ratio_table,
    sqlite_url,
)

DEFAULT_REQUESTS = 200


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    add_database_url(parser, "SQLAlchemy URL (default: a temporary SQLite file; env INK_BENCH_DATABASE_URL). "
                             "The database is emptied first.")
    add_network_options(parser)
    parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS, help="Timed repetitions per operation.")
    parser.add_argument("--server", action="store_true", help="Also measure over HTTP against a local server.")
    return parser.parse_args(argv)


def prepare_database(app, args: argparse.Namespace) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Schema by the migrations, then the synthetic network. Returns facts to print."""
    from ink.extensions import db

    migrated = fresh_database(app)
    with app.app_context():
        report = generate(organisations=args.organisations, years=args.years, seed=args.seed)
        return {"dialect": db.engine.dialect.name, "migrate_s": migrated, "generate_s": report.seconds,
                "series": report.series, "occurrences": report.occurrences,
                "organisations": report.organisations}


def pick_event(app) -> int:  # type: ignore[no-untyped-def]
    """The busiest published series (the twice-weekly language café): the heaviest event page."""
    from ink.events.models import EventSeries, Occurrence, SeriesStatus
    from ink.extensions import db

    with app.app_context():
        series_id = db.session.scalar(
            sa.select(EventSeries.id).join(Occurrence).where(EventSeries.status == SeriesStatus.PUBLISHED)
            .group_by(EventSeries.id).order_by(sa.func.count(Occurrence.id).desc()).limit(1)
        )
        assert series_id is not None
        return int(series_id)


def month_bounds(app) -> tuple[datetime, datetime]:  # type: ignore[no-untyped-def]
    from ink.core.time import local_midnight_utc, utc_to_local
    from ink.extensions import now

    with app.app_context():
        tz = app.config["TIMEZONE"]
        first = utc_to_local(now(), tz).date().replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return local_midnight_utc(first, tz), local_midnight_utc(following, tz)


def client_operations(app, event_id: int, month: tuple[datetime, datetime]) -> dict[str, Callable[[], object]]:  # type: ignore[no-untyped-def]
    from ink.events.service import occurrences_between
    from ink.extensions import db

    client = app.test_client()

    def get(path: str) -> Callable[[], object]:
        def run() -> object:
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            return response.data
        return run

    def month_occurrences() -> object:
        with app.app_context():
            found = occurrences_between(*month)
            db.session.remove()
            return found

    return {
        "/healthz (baseline)": get("/healthz"),
        "programme / (14 days)": get("/"),
        "programme /?days=31": get("/?days=31"),
        # One annual series a year (the coming year's); then a prefix many series share (Parents' café, Knitting café).
        "search /?q=kite (a year ahead)": get("/?q=kite"),
        "search /?q=caf (prefix, a year ahead)": get("/?q=caf"),
        f"event page /events/{event_id}": get(f"/events/{event_id}"),
        "occurrences_between (one month)": month_occurrences,
    }


def server_operations(app, event_id: int) -> tuple[dict[str, Callable[[], object]], Callable[[], None]]:  # type: ignore[no-untyped-def]
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args: object, **kwargs: object) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port

    def get(path: str) -> Callable[[], object]:
        def run() -> object:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            return body
        return run

    operations = {
        "HTTP /healthz (baseline)": get("/healthz"),
        "HTTP programme /": get("/"),
        f"HTTP event page /events/{event_id}": get(f"/events/{event_id}"),
    }
    return operations, server.shutdown


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ink-bench-") as tmp:
        app = bench_app(args.database_url or sqlite_url(tmp))
        facts = prepare_database(app, args)
        print(f"Database: {facts['dialect']}; migrations {facts['migrate_s']:.2f} s; generate-data "
              f"({facts['organisations']} organisations, {args.years} years, seed {args.seed}): "
              f"{facts['series']} series, {facts['occurrences']} occurrences in {facts['generate_s']:.2f} s")
        event_id = pick_event(app)
        month = month_bounds(app)
        print(f"{args.requests} timed repetitions per operation after {WARMUP} warm-up rounds, interleaved.")
        print_ratio_table("Test client (in process)", measure(client_operations(app, event_id, month), args.requests))
        if args.server:
            operations, stop = server_operations(app, event_id)
            try:
                print_ratio_table("Local HTTP server (werkzeug, one thread)", measure(operations, args.requests))
            finally:
                stop()
        dispose(app)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
