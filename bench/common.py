"""What the four benchmarks share: options, a fresh database (migrations + generate-data),
interleaved timing loops and the table of ratios to a trivial endpoint measured in the same run."""
from __future__ import annotations

import argparse
import http.client
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from flask import Flask

    from ink.datagen import GenerationReport

WARMUP = 20
SECRET_KEY = "benchmark-only"
DATABASE_URL_ENV = "INK_BENCH_DATABASE_URL"


@dataclass
class Timing:
    name: str
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        return p95(self.seconds)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


# --- options ----------------------------------------------------------------------------------------

def add_database_url(parser: argparse.ArgumentParser, help: str, *, from_env: bool = True) -> None:
    parser.add_argument("--database-url", default=os.environ.get(DATABASE_URL_ENV) if from_env else None,
                        help=help)


def add_network_options(parser: argparse.ArgumentParser, *, years: bool = True) -> None:
    """The generate-data defaults: the network's real size and ten years of history."""
    parser.add_argument("--organisations", type=int, default=80)
    if years:
        parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)


# --- database ---------------------------------------------------------------------------------------

def sqlite_url(directory: str, name: str = "bench.sqlite3") -> str:
    return f"sqlite:///{os.path.join(directory, name)}"


def bench_app(url: str, **config: Any) -> Flask:
    from ink import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "DEBUG": False, **config})


def empty_database(url: str) -> None:
    """Drop every table (the benchmarks are given scratch databases), migrations' own included."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
            else:
                tables = sa.MetaData()
                tables.reflect(connection)
                tables.drop_all(connection)
    finally:
        engine.dispose()


def fresh_database(app: Flask) -> float:
    """Empty the app's database and build the schema by the migrations; returns the migration seconds."""
    from flask_migrate import upgrade

    with app.app_context():
        empty_database(app.config["SQLALCHEMY_DATABASE_URI"])
        logging.disable(logging.INFO)  # alembic's "Running upgrade" lines; the env.py logging config re-enables them
        try:
            started = time.perf_counter()
            upgrade()
            seconds = time.perf_counter() - started
        finally:
            logging.disable(logging.NOTSET)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return seconds


def generate(*, organisations: int, years: int, seed: int, moment: datetime | None = None) -> GenerationReport:
    """`flask generate-data` in the current app context, committed; `seconds` includes the commit."""
    from ink.datagen import generate_network
    from ink.extensions import db

    report = generate_network(organisations=organisations, years=years, seed=seed, moment=moment)
    started = time.perf_counter()
    db.session.commit()
    report.seconds += time.perf_counter() - started
    return report


def dispose(app: Flask) -> None:
    from ink.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- timing -----------------------------------------------------------------------------------------

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


def print_ratio_table(title: str, timings: list[Timing], *, baseline: str = "healthz", width: int = 36,
                      ms_digits: int = 2, ratio_digits: int = 1) -> None:
    """Median and p95, in ms and as ratios to the first timing (the trivial endpoint)."""
    first = timings[0]
    print(f"\n{title}")
    print(f"{'operation':<{width}} {'median ms':>10} {'p95 ms':>9} {'median ×' + baseline:>16} "
          f"{'p95 ×' + baseline:>13}")
    for timing in timings:
        print(f"{timing.name:<{width}} {timing.median * 1000:>10.{ms_digits}f} {timing.p95 * 1000:>9.{ms_digits}f} "
              f"{timing.median / first.median:>16.{ratio_digits}f} {timing.p95 / first.p95:>13.{ratio_digits}f}")


ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def start_gunicorn(port: int, env: dict[str, str], options: list[str], *, ready_path: str = "/healthz"
                   ) -> subprocess.Popen[bytes]:
    """gunicorn serving ``ink:create_app()`` on 127.0.0.1:``port`` (``options``: workers, worker class…),
    returned once ``ready_path`` answers 200 (within a minute)."""
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), *options, "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "--keep-alive", "30", "ink:create_app()"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", ready_path)
            if connection.getresponse().status == 200:
                connection.close()
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
