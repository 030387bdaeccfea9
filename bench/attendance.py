"""Attendance benchmark (issue #4): the door counter under load, and the annual network report.

For each database (a temporary SQLite file, and PostgreSQL when a URL is given) it:
1. builds the schema by the migrations, adds a ten-year network (`ink.datagen`, as `flask generate-data`)
   with counts on most held occurrences,
   one event happening now with a door-counter link, and a coordinator;
2. serves the app with gunicorn (several workers) on a free localhost port;
3. drives `POST /door/<token>/tap` from many concurrent keep-alive clients (threads, http.client),
   re-sending some taps with the same tap_id as a phone retrying would; reports taps per second,
   median and p95 latency, and lost taps (taps sent minus the server's total: must be 0);
4. times the printable annual network report for the last full year against a trivial endpoint
   in the same run, and prints the ratio.

    .venv/bin/python -m bench.attendance             # SQLite (or: .venv/bin/python bench/attendance.py)
    .venv/bin/python -m bench.attendance --postgres postgresql+psycopg://postgres@127.0.0.1:5432/ink_bench
    .venv/bin/python -m bench.attendance --database-url URL   # that database only

The PostgreSQL database is EMPTIED first (schema public dropped): use a scratch database.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

if __package__ in (None, ""):  # run as a script: bench/attendance.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    add_database_url,
    add_network_options,
    bench_app,
    dispose,
    free_port,
    fresh_database,
    generate,
    measure,
    p95,
    sqlite_url,
    start_gunicorn,
    stop_server,
)

SECRET = "bench-secret-key-not-for-production"
PASSWORD = "bench password 123"
COORDINATOR = "bench-coordinator@example.org"
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class TapRun:
    sent: int = 0
    retries_sent: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    server_total: int = 0


def app_env(url: str, base_url: str = "http://127.0.0.1") -> dict[str, str]:
    """The gunicorn workers' environment: the app configured by INK_* variables only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INK_") and k != "FLASK_DEBUG"}
    env.update(INK_DATABASE_URL=url, INK_SECRET_KEY=SECRET, INK_BASE_URL=base_url)
    return env


# --- data -----------------------------------------------------------------------------------------

def build_data(url: str, args: argparse.Namespace) -> dict[str, object]:
    """A fresh database filled with the network; returns the door token and facts to print."""
    from ink.extensions import db

    app = bench_app(url, SECRET_KEY=SECRET)
    fresh_database(app)
    with app.app_context(), app.test_request_context():
        started = time.perf_counter()
        generate(organisations=args.organisations, years=args.years, seed=args.seed)
        counted = _add_counts(args.seed)
        db.session.commit()
        token = _door_event()
        _coordinator()
        db.session.commit()
        occurrences = db.session.scalar(sa.text("SELECT count(*) FROM occurrence"))
        seconds = time.perf_counter() - started
    dispose(app)
    return {"token": token, "occurrences": occurrences, "counted": counted, "source": "ink.datagen",
            "seconds": seconds}


def _add_counts(seed: int) -> int:
    """Counts on 85 % of held occurrences, a few percent cancelled; bulk inserts."""
    from ink.attendance.models import AttendanceRecord
    from ink.extensions import db, now

    rng = random.Random(seed + 1)
    moment = now()
    rows = db.session.execute(sa.text(
        "SELECT o.id FROM occurrence o LEFT JOIN attendance_record r ON r.occurrence_id = o.id "
        "WHERE o.start_at < :now AND o.status = 'scheduled' AND r.id IS NULL"), {"now": moment.replace(tzinfo=None)}).all()
    cancelled = [r.id for r in rows if rng.random() < 0.03]
    if cancelled:
        db.session.execute(sa.text("UPDATE occurrence SET status = 'cancelled' WHERE id = :id"),
                           [{"id": i} for i in cancelled])
    skip = set(cancelled)
    records = [
        {"occurrence_id": r.id, "total": rng.randint(5, 110), "breakdown": {}, "method": "head_count", "note": "",
         "is_over_capacity": False, "updated_by_id": None, "updated_at": moment}
        for r in rows if r.id not in skip and rng.random() < 0.85
    ]
    db.session.execute(sa.insert(AttendanceRecord), records)
    return len(records)


def _door_event() -> str:
    from ink.attendance.service import create_door_link, door_link_token
    from ink.core.time import utc_to_local
    from ink.events.models import SeriesStatus
    from ink.events.service import SeriesData, create_series
    from ink.extensions import db, now
    from ink.organisations.service import OrganisationData, create_organisation

    moment = now()
    organisation = create_organisation(OrganisationData(name="Door bench"), now=moment)
    start = utc_to_local(moment - timedelta(minutes=30), "Europe/Oslo").replace(second=0, microsecond=0)
    series = create_series(SeriesData(title="Kite festival", organisation=organisation, start_local=start,
                                      duration_minutes=180, is_drop_in=True),
                           now=moment, status=SeriesStatus.PUBLISHED)
    db.session.flush()
    link = create_door_link(series.occurrences[0], user=None, now=moment)
    return door_link_token(link)


def _coordinator() -> None:
    from ink.auth.service import create_user
    from ink.extensions import now

    create_user(COORDINATOR, PASSWORD, is_coordinator=True, now=now())


# --- server ---------------------------------------------------------------------------------------

def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    return start_gunicorn(port, app_env(url, f"http://127.0.0.1:{port}"), ["--workers", str(workers)],
                          ready_path="/static/door.js")


# --- load -----------------------------------------------------------------------------------------

def drive_taps(port: int, token: str, clients: int, taps: int, retry_share: float) -> TapRun:
    """Each client: `taps` distinct +1 taps over one keep-alive connection; a share of them is sent
    twice with the same tap_id (a retry), and a tap whose request fails is re-sent with its id."""
    run = TapRun()
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    path = f"/door/{token}/tap"

    def client(n: int) -> None:
        rng = random.Random(n)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies: list[float] = []
        sent = retries = errors = 0
        barrier.wait()
        for _ in range(taps):
            tap_id = str(uuid.uuid4())
            body = json.dumps({"delta": 1, "tap_id": tap_id})
            repeats = 2 if rng.random() < retry_share else 1
            for attempt in range(repeats):
                while True:
                    started = time.perf_counter()
                    try:
                        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                        response = connection.getresponse()
                        response.read()
                        if response.status != 200:
                            raise OSError(f"status {response.status}")
                    except (OSError, http.client.HTTPException):
                        errors += 1
                        connection.close()
                        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                        continue
                    latencies.append(time.perf_counter() - started)
                    break
                if attempt:
                    retries += 1
            sent += 1
        connection.close()
        with lock:
            run.latencies.extend(latencies)
            run.sent += sent
            run.retries_sent += retries
            run.errors += errors

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - started
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", f"/door/{token}/state")
    run.server_total = json.loads(connection.getresponse().read())["total"]
    connection.close()
    return run


class Browser:
    """A keep-alive connection with a cookie jar of one cookie (the session), enough to sign in."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session="):
                self.cookie = header.split(";", 1)[0]
        return response.status, text

    def login(self) -> None:
        _status, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        if token is None:
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        status, _ = self.request("POST", "/login", urlencode(
            {"email": COORDINATOR, "password": PASSWORD, "csrf_token": token.group(1)}))
        assert status == 302, f"login failed ({status})"


def time_report(port: int, repeats: int) -> dict[str, float]:
    browser = Browser(port)
    browser.login()
    year = datetime.now(timezone.utc).year - 1
    report_path = f"/manage/attendance/reports/annual?year={year}"
    trivial = "/healthz"
    status, page = browser.request("GET", report_path)
    assert status == 200, f"annual report answered {status}"

    def get(path: str) -> Callable[[], object]:
        def run() -> object:
            status, _ = browser.request("GET", path)
            assert status == 200
            return status
        return run

    report, baseline = measure({report_path: get(report_path), trivial: get(trivial)}, repeats, warmup=0)
    held = re.search(r"<dt>Events held</dt><dd>(\d+)</dd>", page)
    return {"year": year, "report_ms": report.median * 1000, "report_p95_ms": report.p95 * 1000,
            "trivial_ms": baseline.median * 1000, "ratio": report.median / baseline.median,
            "trivial": trivial, "held": int(held.group(1)) if held else -1}  # type: ignore[dict-item]


# --- main -----------------------------------------------------------------------------------------

def bench_one(label: str, url: str, args: argparse.Namespace) -> None:
    print(f"\n== {label} ==", flush=True)
    facts = build_data(url, args)
    print(f"data: {facts['occurrences']} occurrences ({facts['source']}, {args.years} years), "
          f"{facts['counted']} with counts, built in {facts['seconds']:.1f} s", flush=True)
    port = free_port()
    server = start_server(url, port, args.workers)
    try:
        run = drive_taps(port, str(facts["token"]), args.clients, args.taps, args.retry_share)
        lost = run.sent - run.server_total
        print(f"taps: {args.clients} clients x {args.taps} taps, gunicorn {args.workers} workers")
        print(f"  {run.sent} distinct taps (+{run.retries_sent} retried with the same tap_id, "
              f"{run.errors} failed requests re-sent) in {run.seconds:.2f} s")
        print(f"  {len(run.latencies) / run.seconds:.0f} requests/s, {run.sent / run.seconds:.0f} taps/s; "
              f"latency median {statistics.median(run.latencies) * 1000:.1f} ms, p95 {p95(run.latencies) * 1000:.1f} ms")
        print(f"  server total {run.server_total}; lost taps {lost}; double-counted retries "
              f"{max(0, run.server_total - run.sent)}", flush=True)
        figures = time_report(port, args.report_repeats)
        print(f"annual network report {figures['year']} ({figures['held']} events held): median "
              f"{figures['report_ms']:.1f} ms, p95 {figures['report_p95_ms']:.1f} ms; trivial {figures['trivial']} "
              f"{figures['trivial_ms']:.2f} ms; ratio {figures['ratio']:.1f}x", flush=True)
        if lost != 0:
            raise SystemExit(f"LOST TAPS on {label}: {lost}")
    finally:
        stop_server(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.attendance", description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("INK_BENCH_DATABASE_URL"),
                        help="PostgreSQL URL of a scratch database (emptied first), run after SQLite; "
                             "SQLite only when absent.")
    add_database_url(parser, "Run on this database only (emptied first), instead of SQLite [then --postgres].",
                     from_env=False)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--taps", type=int, default=150, help="Distinct taps per client.")
    parser.add_argument("--retry-share", type=float, default=0.05, help="Share of taps sent twice (same tap_id).")
    add_network_options(parser)
    parser.add_argument("--report-repeats", type=int, default=15)
    args = parser.parse_args(argv)
    if args.database_url:
        bench_one(LABELS.get(sa.make_url(args.database_url).get_backend_name(), "database"), args.database_url, args)
        return 0
    with tempfile.TemporaryDirectory(prefix="ink-bench-attendance-") as tmp:
        bench_one("SQLite", sqlite_url(tmp), args)
    if args.postgres:
        bench_one("PostgreSQL", args.postgres, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
