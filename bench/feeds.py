"""Calendar feed benchmark (issue #3): /calendar.ics cold, unchanged (200) and conditional (304),
as ratios to a trivial endpoint of the same app in the same run; and how a cold render grows
from 1 to 10 years of history (the window should keep it flat).

    python -m bench.feeds                       # temporary SQLite files
    python -m bench.feeds --database-url postgresql+psycopg://postgres@127.0.0.1:5432/ink_bench_feeds

The network comes from `ink.datagen.generate_network` (`flask generate-data`). A database URL given here is
EMPTIED first (all tables dropped): use a scratch database. With a PostgreSQL URL the 1-year and
10-year networks are built one after the other in that database.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from functools import partial
from typing import TYPE_CHECKING

import sqlalchemy as sa

from bench.common import (
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

if TYPE_CHECKING:
    from flask.testing import FlaskClient

NOW = datetime(2026, 6, 2, 10, 0, tzinfo=timezone.utc)
print_table = partial(print_ratio_table, baseline="trivial", width=40, ms_digits=3, ratio_digits=2)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.feeds", description=__doc__.split("\n\n")[0])
    add_database_url(parser, "SQLAlchemy URL (default: temporary SQLite files). The database is emptied first.")
    add_network_options(parser, years=False)  # always 10 years, then 1
    parser.add_argument("--requests", type=int, default=300, help="Timed repetitions of the cached paths.")
    parser.add_argument("--cold", type=int, default=15, help="Timed repetitions of a cold render.")
    return parser.parse_args(argv)


def build_app(url: str, **config: object):  # type: ignore[no-untyped-def]
    from ink.core.clock import FrozenClock

    return bench_app(url, CLOCK=FrozenClock(NOW), BASE_URL="https://ink.example.org", **config)


def prepare(app, years: int, args: argparse.Namespace) -> dict[str, object]:  # type: ignore[no-untyped-def]
    fresh_database(app)
    with app.app_context():
        report = generate(organisations=args.organisations, years=years, seed=args.seed, moment=NOW)
        return {"years": years, "source": "ink.datagen.generate_network", "generate_s": report.seconds,
                "series": report.series, "occurrences": report.occurrences}


def count_queries(app, run: Callable[[], object]) -> int:  # type: ignore[no-untyped-def]
    from ink.extensions import db

    with app.app_context():
        engine = db.engine
    counter = {"n": 0}

    def before(*_args: object) -> None:
        counter["n"] += 1

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    return counter["n"]


def operations(app, strict_app) -> tuple[dict[str, Callable[[], object]], dict[str, Callable[[], object]], int]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    strict = strict_app.test_client()
    cache = app.extensions["ink.feeds.cache"]

    def get(path: str, status: int = 200, headers: dict[str, str] | None = None,
            via: FlaskClient = client) -> Callable[[], object]:
        def run() -> object:
            response = via.get(path, headers=headers or {})
            if response.status_code != status:
                raise RuntimeError(f"{path} answered {response.status_code}")
            return response.data
        return run

    body = client.get("/calendar.ics")
    etag = body.headers["ETag"]

    from ink.feeds import ical

    def cold() -> object:
        cache.clear()
        ical._MEMO.clear()
        return get("/calendar.ics")()

    def after_edit() -> object:
        cache.clear()  # what a change does; the per-series memo still holds the unchanged series
        return get("/calendar.ics")()

    strict.get("/calendar.ics")
    fast = {
        "/healthz (trivial baseline)": get("/healthz"),
        "/calendar.ics unchanged (200)": get("/calendar.ics"),
        "/calendar.ics If-None-Match (304)": get("/calendar.ics", 304, {"If-None-Match": etag}),
        "/calendar.ics If-Modified-Since (304)": get(
            "/calendar.ics", 304, {"If-Modified-Since": body.headers["Last-Modified"]}),
        "  same, version read every request: 200": get("/calendar.ics", 200, via=strict),
        "  same, version read every request: 304": get("/calendar.ics", 304, {"If-None-Match": etag}, via=strict),
    }
    slow = {"/healthz (trivial baseline)": get("/healthz"), "/calendar.ics cold render": cold,
            "/calendar.ics re-render (memo warm)": after_edit}
    return fast, slow, len(body.data)


def print_breakdown(app, runs: int = 5) -> None:  # type: ignore[no-untyped-def]
    """Where a cold render's time goes: the queries, then icalendar building and serialising."""
    from ink.extensions import db
    from ink.feeds import ical
    from ink.events.filters import FeedFilter, resolve_filter
    from ink.feeds.query import feed_content
    from ink.feeds.service import local_today, window_start_at

    with app.test_request_context("/calendar.ics"):
        tz = app.config["TIMEZONE"]
        window = window_start_at(local_today(NOW, tz), tz, 183)
        meta = ical.FeedMeta(name="INK", description="d", base_url="https://ink.example.org",
                             cancelled_format="Cancelled: %(title)s", timezone=tz, window_start=window)
        query_s, build_s = [], []
        for _ in range(runs):
            db.session.expire_all()
            started = time.perf_counter()
            series, rows = feed_content(resolve_filter(FeedFilter()).condition, window_start=window)
            query_s.append(time.perf_counter() - started)
            ical._MEMO.clear()
            started = time.perf_counter()
            body = ical.build_calendar(series, rows, meta=meta)
            build_s.append(time.perf_counter() - started)
        db.session.remove()
    events = body.count(b"BEGIN:VEVENT")
    print(f"cold render breakdown (median of {runs}): queries + loading {statistics.median(query_s) * 1000:.0f} ms, "
          f"build_calendar {statistics.median(build_s) * 1000:.0f} ms for {len(series)} series, {events} VEVENTs")


def run_network(url: str, years: int, args: argparse.Namespace, *, full: bool) -> float:
    app = build_app(url)
    facts = prepare(app, years, args)
    print(f"\n== {years} year(s) of history: {facts['series']} series, {facts['occurrences']} occurrences "
          f"({facts['source']}, built in {facts['generate_s']:.1f} s)")
    strict_app = build_app(url, FEED_VERSION_CHECK_SECONDS=0)
    fast, slow, size = operations(app, strict_app)
    cache = app.extensions["ink.feeds.cache"]
    from ink.feeds import ical

    queries_cold = count_queries(app, lambda: (cache.clear(), ical._MEMO.clear(),
                                                app.test_client().get("/calendar.ics")))
    queries_warm = count_queries(app, lambda: app.test_client().get("/calendar.ics"))
    queries_strict = count_queries(strict_app, lambda: strict_app.test_client().get("/calendar.ics"))
    print(f"/calendar.ics: {size / 1024:.1f} KiB; SQL queries per request: cold {queries_cold}, "
          f"unchanged {queries_warm} (version remembered ≤1 s) or {queries_strict} (FEED_VERSION_CHECK_SECONDS=0)")
    print_breakdown(app)
    cold = measure(slow, args.cold, warmup=2)
    print_table(f"Cold render ({args.cold} runs)", cold)
    if full:
        print_table(f"Cached paths ({args.requests} runs, interleaved)", measure(fast, args.requests))
    for each in (app, strict_app):
        dispose(each)
    return cold[1].median


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ink-bench-feeds-") as tmp:
        def url(name: str) -> str:
            return args.database_url or sqlite_url(tmp, name)

        print(f"Calendar feed benchmark; database: {url('<years>.sqlite3').split('@')[-1]}")
        ten = run_network(url("ten.sqlite3"), 10, args, full=True)
        one = run_network(url("one.sqlite3"), 1, args, full=False)
        print(f"\nCold render growth, 1 -> 10 years of history: {one * 1000:.1f} ms -> {ten * 1000:.1f} ms "
              f"(×{ten / one:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
