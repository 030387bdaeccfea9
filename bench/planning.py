"""Coordination tools benchmark (issue 10): the venue-clash check on the series save path, the
clashes page and the year planner, on the generate-data network.

Times, through the test client signed in as a coordinator: saving the busiest series that has a venue
(POST of its edit form, unchanged) with the clash check and with it switched off (the figure before
the check existed), the check alone (`series_clashes`, one self-join), `/manage/clashes` and
`/manage/planner/<this year>`. Also prints the query plan of the save-path check.

    python -m bench.planning
    python -m bench.planning --database-url postgresql+psycopg://postgres@127.0.0.1:5432/ink_bench

A database given here is EMPTIED first (all tables dropped): use a scratch database.
"""
from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable

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

DEFAULT_REQUESTS = 100
PASSWORD = "benchmark password"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.planning", description=__doc__.split("\n\n")[0])
    add_database_url(parser, "SQLAlchemy URL (default: a temporary SQLite file). The database is emptied first.")
    add_network_options(parser)
    parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS, help="Timed repetitions per operation.")
    return parser.parse_args(argv)


def busiest_venue_series(app) -> int:  # type: ignore[no-untyped-def]
    """The published series with a venue and the most coming dates."""
    from ink.events.models import EventSeries, Occurrence, SeriesStatus
    from ink.extensions import db, now

    with app.app_context():
        series_id = db.session.scalar(
            sa.select(EventSeries.id).join(Occurrence)
            .where(EventSeries.status == SeriesStatus.PUBLISHED, EventSeries.venue_id.is_not(None),
                   Occurrence.start_at >= now())
            .group_by(EventSeries.id).order_by(sa.func.count(Occurrence.id).desc()).limit(1)
        )
        assert series_id is not None
        return int(series_id)


def edit_form(app, series_id: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The series' edit form as a browser would post it back unchanged (no version: never stale)."""
    from ink.events import recurrence
    from ink.events.models import EventSeries
    from ink.extensions import db

    with app.app_context():
        series = db.session.get(EventSeries, series_id)
        rec = recurrence.from_rrule(series.rrule, series.start_local, series.timezone)
        end = series.start_local + series.duration
        return {
            "title": series.title, "description": series.description_html, "organisation": str(series.organisation_id),
            "coorganisers": [str(o.id) for o in series.coorganisers], "venue": str(series.venue_id),
            "topics": [str(t.id) for t in series.topics], "languages": series.languages,
            "audiences": [a.value for a in series.audiences], "audience_note": series.audience_note,
            "date": series.start_local.date().isoformat(), "start_time": series.start_local.strftime("%H:%M"),
            "end_time": end.strftime("%H:%M"), "all_day_days": "1", "freq": rec.freq, "interval": str(rec.interval),
            "weekdays": [str(d) for d in rec.weekdays], "monthly_mode": rec.monthly_mode,
            "nth": str(rec.nth or ""), "end": rec.end, "until": rec.until.isoformat() if rec.until else "",
            "count": str(rec.count or ""), "age_min": "", "age_max": "", "registration_url": "",
        }


def operations(app, series_id: int) -> dict[str, Callable[[], object]]:  # type: ignore[no-untyped-def]
    from ink.auth.service import create_user
    from ink.core.time import utc_to_local
    from ink.events import views
    from ink.events.clashes import series_clashes
    from ink.events.models import EventSeries
    from ink.extensions import db, now

    with app.app_context():
        create_user("bench-coordinator@example.org", PASSWORD, is_coordinator=True, now=now())
        db.session.commit()
        year = utc_to_local(now(), app.config["TIMEZONE"]).year
    client = app.test_client()
    client.post("/login", data={"email": "bench-coordinator@example.org", "password": PASSWORD})
    form = edit_form(app, series_id)
    with_check = views.series_clashes

    def get(path: str) -> Callable[[], object]:
        def run() -> object:
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            return response.data
        return run

    def save(check: bool) -> Callable[[], object]:
        def run() -> object:
            views.series_clashes = with_check if check else (lambda series, now: [])
            try:
                response = client.post(f"/manage/series/{series_id}/edit", data=form)
            finally:
                views.series_clashes = with_check
            if response.status_code != 302:
                raise RuntimeError(f"save answered {response.status_code}")
            return response
        return run

    def check_alone() -> object:
        with app.app_context():
            found = series_clashes(db.session.get(EventSeries, series_id), now=now())
            db.session.remove()
            return found

    return {
        "/healthz (baseline)": get("/healthz"),
        "save series, clash check off (before)": save(False),
        "save series, with the clash check": save(True),
        "series_clashes alone (one query)": check_alone,
        "/manage/clashes (12 months)": get("/manage/clashes"),
        f"/manage/planner/{year}": get(f"/manage/planner/{year}"),
    }


def explain(app, series_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The database's plan for the save-path check."""
    from ink.events import clashes
    from ink.extensions import db, now

    with app.app_context():
        moment = now()
        query, a, _sa, _b, _sb = clashes._clash_query(start=moment, end=moment + clashes.CLASH_HORIZON)  # noqa: SLF001
        statement = query.where(a.series_id == series_id).compile(db.engine, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
        rows = db.session.execute(sa.text(prefix + str(statement))).all()
        db.session.remove()
        return [" | ".join(str(value) for value in row) for row in rows]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ink-bench-") as tmp:
        app = bench_app(args.database_url or sqlite_url(tmp), PASSWORD_HASH_TIME_COST=1,
                        PASSWORD_HASH_MEMORY_KIB=8, PASSWORD_HASH_PARALLELISM=1, WTF_CSRF_ENABLED=False,
                        MAIL_BACKEND="disabled")
        migrated = fresh_database(app)
        with app.app_context():
            report = generate(organisations=args.organisations, years=args.years, seed=args.seed)
        print(f"migrations {migrated:.2f} s; generate-data: {report.series} series, {report.occurrences} occurrences")
        series_id = busiest_venue_series(app)
        ops = operations(app, series_id)
        print(f"Series {series_id}: {len(ops['series_clashes alone (one query)']())} clashing dates in 12 months")
        print(f"{args.requests} timed repetitions per operation after {WARMUP} warm-up rounds, interleaved.")
        print_ratio_table("Test client (in process), coordinator", measure(ops, args.requests), width=40)
        print("\nPlan of the save-path check:")
        for line in explain(app, series_id):
            print("  " + line)
        dispose(app)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
