"""Calendar feed benchmark (issue #3): /calendar.ics cold, unchanged (200) and conditional (304),
as ratios to a trivial endpoint of the same app in the same run; and how a cold render grows
from 1 to 10 years of history (the window should keep it flat).

    python -m bench.feeds                       # temporary SQLite files
    python -m bench.feeds --database-url postgresql+psycopg://postgres@127.0.0.1:5432/ink_bench_feeds

The network comes from `ink.datagen.generate_network` (`flask generate-data`) when the tree has it,
else from a synthetic network built here through the services. A database URL given here is
EMPTIED first (all tables dropped): use a scratch database. With a PostgreSQL URL the 1-year and
10-year networks are built one after the other in that database.
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

NOW = datetime(2026, 6, 2, 10, 0, tzinfo=timezone.utc)
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
    parser = argparse.ArgumentParser(prog="python -m bench.feeds", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("INK_BENCH_DATABASE_URL"),
                        help="SQLAlchemy URL (default: temporary SQLite files). The database is emptied first.")
    parser.add_argument("--organisations", type=int, default=80)
    parser.add_argument("--requests", type=int, default=300, help="Timed repetitions of the cached paths.")
    parser.add_argument("--cold", type=int, default=15, help="Timed repetitions of a cold render.")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def build_app(url: str, **config: object):  # type: ignore[no-untyped-def]
    from flask import Response

    from ink import create_app
    from ink.core.clock import FrozenClock

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark-only", "DEBUG": False,
                      "CLOCK": FrozenClock(NOW), "BASE_URL": "https://ink.example.org", **config})
    if "public.healthz" not in app.view_functions:  # this tree has no /healthz yet: a trivial baseline
        app.add_url_rule("/healthz", "bench_healthz", lambda: Response("ok", mimetype="text/plain"))
    return app


def prepare(app, years: int, args: argparse.Namespace) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from flask_migrate import upgrade

    from ink.extensions import db

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        logging.getLogger("alembic").setLevel(logging.WARNING)
        started = time.perf_counter()
        source = generate(years, args)
        db.session.commit()
        seconds = time.perf_counter() - started
        from ink.events.models import EventSeries, Occurrence

        return {"years": years, "source": source, "generate_s": seconds,
                "series": db.session.scalar(sa.select(sa.func.count(EventSeries.id))),
                "occurrences": db.session.scalar(sa.select(sa.func.count(Occurrence.id)))}


def generate(years: int, args: argparse.Namespace) -> str:
    try:
        from ink.datagen import generate_network  # type: ignore[import-not-found]
    except ImportError:
        synthetic_network(years, args.organisations, args.seed)
        return "bench.feeds synthetic network"
    generate_network(organisations=args.organisations, years=years, seed=args.seed, moment=NOW)
    return "ink.datagen.generate_network"


def synthetic_network(years: int, organisations: int, seed: int) -> None:
    """About 700 occurrences a year: a twice-weekly language café, weekly groups in terms,
    monthly meetings, annual all-day days and one-off events, with cancellations and moves."""
    from ink.core.time import local_to_utc
    from ink.events import service
    from ink.events.models import EventSeries, SeriesStatus, Venue
    from ink.events.recurrence import Recurrence
    from ink.extensions import db
    from ink.organisations.models import OrganisationStatus
    from ink.organisations.service import OrganisationData, create_organisation, ensure_topics

    rng = random.Random(seed)
    topics = ensure_topics()
    venues = [Venue(name=f"Venue {n}", slug=f"bench-venue-{n}", address=f"Street {n}", latitude=59.7 + n / 1000,
                    longitude=10.2) for n in range(20)]
    db.session.add_all(venues)
    orgs = [create_organisation(OrganisationData(name=f"Bench organisation {n}", languages=["nb", "pl"]),
                                now=NOW, status=OrganisationStatus.ACTIVE) for n in range(organisations)]
    first_year = NOW.year - years
    horizon = NOW + timedelta(days=730)

    def series(start_local: datetime, recurrence: Recurrence, **kwargs: object) -> EventSeries:
        data = service.SeriesData(
            title=kwargs.pop("title", f"Event {rng.randint(1, 10**6)}"),  # type: ignore[arg-type]
            organisation=rng.choice(orgs), start_local=start_local, recurrence=recurrence,
            venue=rng.choice(venues), topics=rng.sample(topics, 2), languages=["nb"], **kwargs,  # type: ignore[arg-type]
        )
        created_at = local_to_utc(start_local, "Europe/Oslo") - timedelta(days=14)
        return service.create_series(data, now=created_at, horizon=horizon - created_at,
                                     status=SeriesStatus.PUBLISHED)

    cafe = series(datetime(first_year, 1, 6, 18, 0) + timedelta(days=(1 - date(first_year, 1, 6).weekday()) % 7),
                  Recurrence(freq="weekly", weekdays=(1, 3)), title="Language café", duration_minutes=120)
    for year in range(first_year, NOW.year + 2):
        for term_start in (date(year, 1, 12), date(year, 8, 20)):
            for _ in range(4):  # weekly groups for a term
                day = term_start + timedelta(days=rng.randint(0, 6))
                series(datetime.combine(day, datetime.min.time()).replace(hour=rng.randint(10, 19)),
                       Recurrence(freq="weekly", end="count", count=16), duration_minutes=90)
        for _ in range(2):
            day = date(year, 1, 1) + timedelta(days=rng.randint(0, 27))
            series(datetime(day.year, day.month, day.day, 18, 0),
                   Recurrence(freq="monthly", end="count", count=10), duration_minutes=120)
        series(datetime(year, 3, 21), Recurrence(), is_all_day=True, all_day_days=1, duration_minutes=None,
               title="Children's World Day")
        for _ in range(300):
            day = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
            series(datetime(day.year, day.month, day.day, rng.randint(10, 19), 0), Recurrence(),
                   duration_minutes=120)
    db.session.flush()
    occurrences = [occ for occ in cafe.occurrences][::9]
    for index, occ in enumerate(occurrences):
        if index % 2:
            service.cancel_occurrence(occ, reason="Holiday", now=occ.start_at - timedelta(days=3))
        else:
            service.move_occurrence(occ, start_at=occ.start_at + timedelta(hours=1),
                                    end_at=occ.end_at + timedelta(hours=1), venue=None, note="Later",
                                    now=occ.start_at - timedelta(days=3))


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


def measure(operations: dict[str, Callable[[], object]], repetitions: int, warmup: int = WARMUP) -> list[Timing]:
    """Interleaved rounds, so drift in the machine's speed hits every operation alike."""
    for _ in range(warmup):
        for operation in operations.values():
            operation()
    timings = {name: Timing(name, []) for name in operations}
    for _ in range(repetitions):
        for name, operation in operations.items():
            started = time.perf_counter()
            operation()
            timings[name].seconds.append(time.perf_counter() - started)
    return list(timings.values())


def operations(app, strict_app) -> tuple[dict[str, Callable[[], object]], dict[str, Callable[[], object]], int]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    strict = strict_app.test_client()
    cache = app.extensions["ink.feeds.cache"]

    def get(path: str, status: int = 200, headers: dict[str, str] | None = None) -> Callable[[], object]:
        def run() -> object:
            response = client.get(path, headers=headers or {})
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

    def strict_get(path: str, status: int, headers: dict[str, str] | None = None) -> Callable[[], object]:
        def run() -> object:
            response = strict.get(path, headers=headers or {})
            if response.status_code != status:
                raise RuntimeError(f"{path} answered {response.status_code}")
            return response.data
        return run

    strict.get("/calendar.ics")
    fast = {
        "/healthz (trivial baseline)": get("/healthz"),
        "/calendar.ics unchanged (200)": get("/calendar.ics"),
        "/calendar.ics If-None-Match (304)": get("/calendar.ics", 304, {"If-None-Match": etag}),
        "/calendar.ics If-Modified-Since (304)": get(
            "/calendar.ics", 304, {"If-Modified-Since": body.headers["Last-Modified"]}),
        "  same, version read every request: 200": strict_get("/calendar.ics", 200),
        "  same, version read every request: 304": strict_get("/calendar.ics", 304, {"If-None-Match": etag}),
    }
    slow = {"/healthz (trivial baseline)": get("/healthz"), "/calendar.ics cold render": cold,
            "/calendar.ics re-render (memo warm)": after_edit}
    return fast, slow, len(body.data)


def print_breakdown(app, runs: int = 5) -> None:  # type: ignore[no-untyped-def]
    """Where a cold render's time goes: the queries, then icalendar building and serialising."""
    from ink.extensions import db
    from ink.feeds import ical
    from ink.feeds.query import FeedFilter, feed_content, resolve_filter
    from ink.feeds.service import local_today, window_start_at

    with app.test_request_context("/calendar.ics"):
        tz = app.config["TIMEZONE"]
        window = window_start_at(local_today(NOW, tz), tz, 183)
        meta = ical.FeedMeta(name="INK", description="d", base_url="https://ink.example.org",
                             cancelled_format="Cancelled: %(title)s", window_start=window)
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


def print_table(title: str, timings: list[Timing]) -> None:
    baseline = timings[0]
    print(f"\n{title}")
    print(f"{'operation':<40} {'median ms':>10} {'p95 ms':>9} {'median ×trivial':>16} {'p95 ×trivial':>13}")
    for timing in timings:
        print(f"{timing.name:<40} {timing.median * 1000:>10.3f} {timing.p95 * 1000:>9.3f} "
              f"{timing.median / baseline.median:>16.2f} {timing.p95 / baseline.p95:>13.2f}")


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
    from ink.extensions import db

    for each in (app, strict_app):
        with each.app_context():
            db.session.remove()
            db.engine.dispose()
    return cold[1].median


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ink-bench-feeds-") as tmp:
        def url(name: str) -> str:
            return args.database_url or f"sqlite:///{os.path.join(tmp, name)}"

        print(f"Calendar feed benchmark; database: {url('<years>.sqlite3').split('@')[-1]}")
        ten = run_network(url("ten.sqlite3"), 10, args, full=True)
        one = run_network(url("one.sqlite3"), 1, args, full=False)
        print(f"\nCold render growth, 1 -> 10 years of history: {one * 1000:.1f} ms -> {ten * 1000:.1f} ms "
              f"(×{ten / one:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
