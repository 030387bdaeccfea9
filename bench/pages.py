"""Public pages benchmark (issue #11, "Fast"): the residents' pages under gunicorn against `/healthz`.

1. builds the schema by the migrations and a ten-year network (`ink.datagen`, as `flask generate-data`);
2. serves the app with gunicorn (2 sync workers by default) on a free localhost port, with the page
   cache off (`INK_PAGE_CACHE_SIZE=0`: every request renders, as before the cache) and then on;
3. warms up, then drives each URL from 8 concurrent client connections (threads, http.client) for a
   few seconds, URL after URL, in several rounds, so machine noise hits every URL alike; prints each
   URL's requests per second, its statuses (a page that answers 400 or 404 is reported as such, not
   hidden) and its ratio to `/healthz` measured in the same run, with PASS/FAIL against 0.25×; and a
   programme URL no request repeats (`/?miss=…`: with the cache on, the cost of a miss).

    .venv/bin/python -m bench.pages                       # a temporary SQLite file
    .venv/bin/python -m bench.pages --database-url postgresql+psycopg://postgres@127.0.0.1:5432/ink_bench
    .venv/bin/python -m bench.pages --modes on            # the cache on only

A database given here is EMPTIED first (all tables dropped): use a scratch database.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

if __package__ in (None, ""):  # run as a script: bench/pages.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    add_database_url,
    add_network_options,
    bench_app,
    dispose,
    free_port,
    fresh_database,
    generate,
    sqlite_url,
    start_gunicorn,
    stop_server,
)

SECRET = "bench-secret-key-not-for-production"
TARGET = 0.25
MODES = {"off": {"INK_PAGE_CACHE_SIZE": "0"}, "on": {}}


@dataclass
class Load:
    """What one URL got in all rounds: completed requests, their statuses, the seconds spent."""

    requests: int = 0
    seconds: float = 0.0
    body_bytes: int = 0
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- data -----------------------------------------------------------------------------------------

def build_data(url: str, args: argparse.Namespace) -> dict[str, object]:
    """A fresh database with the network; the busiest series, a topic with events and a search word."""
    from ink.events.models import EventSeries, Occurrence, SeriesStatus, series_topic
    from ink.extensions import db, now
    from ink.organisations.models import Topic

    app = bench_app(url, SECRET_KEY=SECRET)
    fresh_database(app)
    with app.app_context():
        report = generate(organisations=args.organisations, years=args.years, seed=args.seed)
        moment = now()
        busiest = db.session.execute(
            sa.select(EventSeries.id, EventSeries.title).join(Occurrence)
            .where(EventSeries.status == SeriesStatus.PUBLISHED)
            .group_by(EventSeries.id, EventSeries.title).order_by(sa.func.count(Occurrence.id).desc()).limit(1)
        ).one()
        topic = db.session.scalar(
            sa.select(Topic.slug).join(series_topic, series_topic.c.topic_id == Topic.id)
            .join(Occurrence, Occurrence.series_id == series_topic.c.series_id)
            .where(Occurrence.start_at >= moment).group_by(Topic.slug)
            .order_by(sa.func.count(Occurrence.id).desc()).limit(1)
        )
        facts: dict[str, object] = {
            "dialect": db.engine.dialect.name, "series": report.series, "occurrences": report.occurrences,
            "event_id": busiest.id, "topic": topic, "word": busiest.title.split()[0].lower(),
        }
    dispose(app)
    return facts


# A URL no request repeats: with the cache on, every request is a miss (the uncached cost, with the
# filter choices memoized); informational, no target.
MISS = "/?miss={n}"


def urls(facts: dict[str, object]) -> list[str]:
    return ["/healthz", "/", f"/?topic={facts['topic']}", f"/?q={quote(str(facts['word']))}", "/?view=month",
            f"/events/{facts['event_id']}", MISS]


# --- server ---------------------------------------------------------------------------------------

def start_server(url: str, port: int, args: argparse.Namespace, extra_env: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INK_") and k != "FLASK_DEBUG"}
    env.update(INK_DATABASE_URL=url, INK_SECRET_KEY=SECRET, INK_BASE_URL=f"http://127.0.0.1:{port}", **extra_env)
    return start_gunicorn(port, env, ["--workers", str(args.workers), "--worker-class", args.worker_class,
                                      "--threads", str(args.threads)])


# --- load -----------------------------------------------------------------------------------------

def drive(port: int, path: str, clients: int, seconds: float, load: Load) -> None:
    """``clients`` threads, each over its own connection (kept alive when the server allows),
    request ``path`` for ``seconds``; completed requests and statuses are added to ``load``."""
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    stop = threading.Event()

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        done: Counter[int] = Counter()
        size = 0
        barrier.wait()
        while not stop.is_set():
            try:
                connection.request("GET", path.format(n=f"{number}-{next(sequence)}-{time.monotonic_ns()}"))
                response = connection.getresponse()
                size += len(response.read())
                done[response.status] += 1
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                connection.close()
                done[0] += 1  # 0: a failed request
        connection.close()
        with lock:
            load.statuses.update(done)
            load.body_bytes += size

    sequence = itertools.count()
    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    load.seconds += time.perf_counter() - started
    load.requests = sum(load.statuses.values())


def run_mode(url: str, paths: list[str], args: argparse.Namespace, mode: str) -> dict[str, Load]:
    port = free_port()
    server = start_server(url, port, args, MODES[mode])
    try:
        warm = {path: Load() for path in paths}
        for path in paths:
            drive(port, path, args.clients, args.warmup, warm[path])
        loads = {path: Load() for path in paths}
        for _ in range(args.rounds):
            for path in paths:
                drive(port, path, args.clients, args.seconds, loads[path])
        return loads
    finally:
        stop_server(server)


def print_table(label: str, mode: str, loads: dict[str, Load]) -> bool:
    """The rates and ratios; True when every page met the target."""
    baseline = loads["/healthz"].rate
    print(f"\n{label}, page cache {mode}")
    print(f"{'URL':<44} {'statuses':<18} {'KiB':>6} {'req/s':>9} {'×/healthz':>10}  target ≥ {TARGET}×")
    met = True
    for path, load in loads.items():
        statuses = " ".join(f"{status}:{count}" for status, count in sorted(load.statuses.items()))
        ratio = load.rate / baseline if baseline else 0.0
        verdict = ""
        if path not in ("/healthz", MISS):
            passed = ratio >= TARGET and set(load.statuses) == {200}
            met = met and passed
            verdict = "PASS" if passed else "FAIL" + ("" if set(load.statuses) == {200} else " (not all 200)")
        kib = load.body_bytes / max(load.requests, 1) / 1024
        print(f"{path:<44} {statuses:<18} {kib:>6.1f} {load.rate:>9.1f} {ratio:>10.3f}  {verdict}", flush=True)
    return met


def bench_one(url: str, args: argparse.Namespace) -> bool:
    facts = build_data(url, args)
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(str(facts["dialect"]), str(facts["dialect"]))
    print(f"{label}: {facts['series']} series, {facts['occurrences']} occurrences ({args.years} years); gunicorn "
          f"{args.workers} {args.worker_class} workers ({args.threads} threads), {args.clients} clients, "
          f"{args.rounds} rounds of {args.seconds:g} s per URL after {args.warmup:g} s of warm-up", flush=True)
    met = True
    for mode in args.modes:
        passed = print_table(label, mode, run_mode(url, urls(facts), args, mode))
        met = met and (passed or mode == "off")  # the target is the cache's: uncached pages are expected to miss it
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n\n")[0])
    add_database_url(parser, "SQLAlchemy URL (default: a temporary SQLite file; env INK_BENCH_DATABASE_URL). "
                             "The database is emptied first.")
    add_network_options(parser)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", help="gunicorn's worker class (sync, gthread).")
    parser.add_argument("--threads", type=int, default=1, help="Threads per gthread worker.")
    parser.add_argument("--clients", type=int, default=8, help="Concurrent client connections.")
    parser.add_argument("--seconds", type=float, default=1.5, help="Seconds per URL per round.")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--warmup", type=float, default=1.0, help="Seconds of warm-up per URL.")
    parser.add_argument("--modes", nargs="+", choices=tuple(MODES), default=list(MODES),
                        help="Page cache off (every request renders) and/or on.")
    args = parser.parse_args(argv)
    if args.database_url:
        met = bench_one(args.database_url, args)
    else:
        with tempfile.TemporaryDirectory(prefix="ink-bench-pages-") as tmp:
            met = bench_one(sqlite_url(tmp), args)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
