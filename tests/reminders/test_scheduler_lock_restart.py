"""The single-scheduler lock survives a PostgreSQL restart: at most one scheduler acts in any tick.

A private PostgreSQL cluster (initdb in a temporary directory, on a free port) is started and
restarted by the test itself, so the shared test server is never touched.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ink import create_app
from ink.extensions import db
from ink.reminders.scheduler import LOCK_LOST, SchedulerLock, tick
from tests.conftest import base_config
from tests.reminders.conftest import _free_port


class PrivateCluster:
    def __init__(self, root: Path) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [shutil.which("initdb") or ""]
        if not binaries[-1]:
            pytest.fail("initdb not found (/usr/lib/postgresql/*/bin/ or PATH): the lock-restart test needs it")
        self.bin = Path(binaries[-1]).parent
        self.data, self.port = root / "data", _free_port()
        self.user = "postgres" if os.geteuid() == 0 else None  # PostgreSQL refuses to run as root
        if self.user:
            os.chown(root, pwd.getpwnam(self.user).pw_uid, -1)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *command: str) -> None:
        argv = [str(self.bin / command[0]), *command[1:]]
        if self.user:
            argv = ["runuser", "-u", self.user, "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, timeout=60)

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data.parent} -c fsync=off"
        self.run("pg_ctl", action, "-D", str(self.data), "-w", "-l", str(self.data.parent / "log"), "-o", options, *extra)


@pytest.fixture
def cluster(database_url: str) -> Iterator[PrivateCluster]:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL advisory lock only (the SQLite run uses a file lock, which no restart can lose)")
    root = Path(tempfile.mkdtemp(prefix="ink-pg-"))
    cluster = PrivateCluster(root)
    try:
        cluster.run("initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "--no-sync")
        cluster.pg_ctl("start")
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            cluster.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(root, ignore_errors=True)


def test_after_a_database_restart_at_most_one_scheduler_acts_per_tick(cluster: PrivateCluster) -> None:
    apps = [create_app(base_config(cluster.url)) for _ in range(2)]
    with apps[0].app_context():
        db.create_all()
    locks = []
    for app in apps:
        with app.app_context():
            locks.append(SchedulerLock(app))

    def tick_both() -> list[bool]:
        return [tick(app, lock) != LOCK_LOST for app, lock in zip(apps, locks, strict=True)]

    try:
        with apps[0].app_context():
            assert locks[0].try_acquire()
        with apps[1].app_context():
            assert not locks[1].try_acquire()
        assert tick_both() == [True, False]

        cluster.pg_ctl("restart", "-m", "fast")  # the first scheduler's advisory lock is gone with its session

        # The second asks first and takes the free lock; the first sees it lost the lock and stands back.
        acted = [tick(apps[1], locks[1]) != LOCK_LOST, tick(apps[0], locks[0]) != LOCK_LOST]
        assert acted == [True, False]
        for _ in range(2):
            assert tick_both() == [False, True]

        # The second stops: the first holds the lock again at its next tick, and only then acts.
        with apps[1].app_context():
            locks[1].release()
        assert tick_both() == [True, False]
    finally:
        for app, lock in zip(apps, locks, strict=True):
            with app.app_context():
                lock.release()
                db.session.remove()
                db.engine.dispose()
