"""Foundation benchmark (issue #2): programme page, event page and a month's occurrences.

Builds a database through the migrations, fills it with `generate-data` (80 organisations,
10 years by default), then times each operation many times with the app's test client (and,
with --server, over HTTP against a real local server) and reports median and p95 as ratios to
`/healthz` measured in the same run, so figures compare across machines.

    python -m bench                                  # temporary SQLite file
    python -m bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/ink_bench
    INK_BENCH_DATABASE_URL=... python -m bench --server

A PostgreSQL database given here is EMPTIED first (all tables dropped): use a scratch database.
"""
from __future__ import annotations

import argparse
import http.client
import logging
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

DEFAULT_REQUESTS = 200
WARMUP = 20


@dataclass
class Timing:
    name: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("INK_BENCH_DATABASE_URL"),
                        help="SQLAlchemy URL (default: a temporary SQLite file; env INK_BENCH_DATABASE_URL). "
                             "The database is emptied first.")
    parser.add_argument("--organisations", type=int, default=80)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS, help="Timed repetitions per operation.")
    parser.add_argument("--server", action="store_true", help="Also measure over HTTP against a local server.")
    return parser.parse_args(argv)


def build_app(url: str):  # type: ignore[no-untyped-def]
    from ink import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark-only", "DEBUG": False})


def prepare_database(app, args: argparse.Namespace) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Schema by the migrations, then the synthetic network. Returns facts to print."""
    from flask_migrate import upgrade

    from ink.datagen import generate_network
    from ink.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        started = time.perf_counter()
        upgrade()
        migrated = time.perf_counter() - started
        logging.getLogger("alembic").setLevel(logging.WARNING)
        report = generate_network(organisations=args.organisations, years=args.years, seed=args.seed)
        started = time.perf_counter()
        db.session.commit()
        generated = report.seconds + time.perf_counter() - started
        return {"dialect": db.engine.dialect.name, "migrate_s": migrated, "generate_s": generated,
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


def measure(operations: dict[str, Callable[[], object]], repetitions: int) -> list[Timing]:
    """Interleaved rounds, so drift in the machine's speed hits every operation alike."""
    for _ in range(WARMUP):
        for operation in operations.values():
            operation()
    timings = {name: Timing(name, []) for name in operations}
    for _ in range(repetitions):
        for name, operation in operations.items():
            started = time.perf_counter()
            operation()
            timings[name].seconds.append(time.perf_counter() - started)
    return list(timings.values())


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


def print_table(title: str, timings: list[Timing]) -> None:
    baseline = timings[0]
    print(f"\n{title}")
    print(f"{'operation':<36} {'median ms':>10} {'p95 ms':>9} {'median ×healthz':>16} {'p95 ×healthz':>13}")
    for timing in timings:
        print(f"{timing.name:<36} {timing.median * 1000:>10.2f} {timing.p95 * 1000:>9.2f} "
              f"{timing.median / baseline.median:>16.1f} {timing.p95 / baseline.p95:>13.1f}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ink-bench-") as tmp:
        url = args.database_url or f"sqlite:///{os.path.join(tmp, 'bench.sqlite3')}"
        app = build_app(url)
        facts = prepare_database(app, args)
        print(f"Database: {facts['dialect']}; migrations {facts['migrate_s']:.2f} s; generate-data "
              f"({facts['organisations']} organisations, {args.years} years, seed {args.seed}): "
              f"{facts['series']} series, {facts['occurrences']} occurrences in {facts['generate_s']:.2f} s")
        event_id = pick_event(app)
        month = month_bounds(app)
        print(f"{args.requests} timed repetitions per operation after {WARMUP} warm-up rounds, interleaved.")
        print_table("Test client (in process)", measure(client_operations(app, event_id, month), args.requests))
        if args.server:
            operations, stop = server_operations(app, event_id)
            try:
                print_table("Local HTTP server (werkzeug, one thread)", measure(operations, args.requests))
            finally:
                stop()
        with app.app_context():
            from ink.extensions import db

            db.session.remove()
            db.engine.dispose()
    return 0
