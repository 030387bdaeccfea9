"""`flask backup` / `flask restore` under a live door-counter load: the copy is consistent and loses no tap.

Runs on SQLite, and on PostgreSQL when INK_TEST_DATABASE_URL points there (the restore then goes into a
fresh database beside the test database). Backup and restore run as the operator runs them: separate
`flask --app ink` processes while the app serves taps in threads.
"""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ink.attendance.service import create_door_link, door_link_token
from ink.extensions import db

pytestmark = pytest.mark.slow
LOAD_THREADS = 4


def _flask(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "INK_SECRET_KEY": "backup-test", "INK_DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "ink", *args], env=environment,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def door_path(factory, clock) -> str:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Kafé Verden")
    editor = factory.user("editor@example.org", editor_of=[organisation])
    series = factory.series(organisation=organisation, title="Language café", is_drop_in=True, duration_minutes=120)
    link = create_door_link(series.occurrences[0], user=editor, now=clock.now())
    db.session.commit()
    return f"/door/{door_link_token(link)}"


@pytest.fixture
def restore_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database to restore into: a new SQLite file, or a new PostgreSQL database on the same server."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"{url.database}_restore"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class TapLoad:
    """Threads tapping +1 over HTTP until stopped, counting the taps the server acknowledged."""

    def __init__(self, base_url: str, path: str) -> None:
        self._address = urlsplit(base_url)
        self._path = path
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.acknowledged = 0
        self.failures: list[str] = []
        self._threads = [threading.Thread(target=self._tap) for _ in range(LOAD_THREADS)]

    def _tap(self) -> None:
        connection = http.client.HTTPConnection(self._address.hostname, self._address.port, timeout=30)
        while not self._stop.is_set():
            body = json.dumps({"delta": 1, "tap_id": str(uuid.uuid4())})
            connection.request("POST", f"{self._path}/tap", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            with self._lock:
                if response.status == 200:
                    self.acknowledged += 1
                else:
                    self.failures.append(str(response.status))
        connection.close()

    def __enter__(self) -> TapLoad:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def wait_for(self, taps: int) -> None:
        deadline = time.monotonic() + 30
        while self.acknowledged < taps and time.monotonic() < deadline:
            time.sleep(0.01)


def _tap_figures(url: str) -> tuple[int, int, int]:
    """(taps stored, sum of applied tap deltas, live door count) in the database at url."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        taps = connection.execute(sa.text("SELECT count(*) FROM door_tap")).scalar_one()
        applied = connection.execute(sa.text("SELECT coalesce(sum(delta), 0) FROM door_tap WHERE is_applied")).scalar_one()
        counted = connection.execute(sa.text("SELECT coalesce(sum(n), 0) FROM door_count")).scalar_one()
    engine.dispose()
    return int(taps), int(applied), int(counted)


def test_backup_under_live_tap_load_restores_every_acknowledged_tap(
        app, live_server, door_path: str, database_url: str, restore_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    backup = tmp_path / "ink.backup"
    with TapLoad(live_server.url, door_path) as load:
        load.wait_for(30)
        acknowledged_before = load.acknowledged
        made = _flask(database_url, "backup", str(backup))
        acknowledged_after = load.acknowledged
        load.wait_for(acknowledged_after + 10)  # still serving after the backup
    assert made.returncode == 0, made.stderr
    assert f"Backed up the database to {backup}" in made.stdout
    assert not load.failures, load.failures[:3]
    live_taps = _tap_figures(database_url)[0]
    assert live_taps == load.acknowledged  # the load itself lost nothing
    assert acknowledged_after < live_taps  # and went on while and after the backup ran

    restored = _flask(restore_url, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    taps, applied, counted = _tap_figures(restore_url)
    # Every tap acknowledged before the backup began is in it; none from after it ended (bar those in flight).
    assert acknowledged_before <= taps <= acknowledged_after + LOAD_THREADS
    # One snapshot: the door count equals the taps it is made of.
    assert counted == applied == taps
    print(f"\nbackup under load: {acknowledged_before} taps acknowledged before, {taps} in the backup, "
          f"{acknowledged_after} by its end, {live_taps} in all")


def test_restore_refuses_a_database_that_is_not_empty(app, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    backup = tmp_path / "ink.backup"
    assert _flask(database_url, "backup", str(backup)).returncode == 0
    refused = _flask(database_url, "restore", str(backup))
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: The database is not empty")
    assert "empty database" in lines[0]


def test_backup_never_overwrites(app, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    existing = tmp_path / "ink.backup"
    existing.write_text("precious")
    refused = _flask(database_url, "backup", str(existing))
    assert refused.returncode == 1 and "already exists" in refused.stderr
    assert existing.read_text() == "precious"


def test_restore_refuses_a_file_that_is_not_a_backup(restore_url: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a backup at all")
    refused = _flask(restore_url, "restore", str(junk))
    assert refused.returncode == 1 and "is not a" in refused.stderr and "Traceback" not in refused.stderr
