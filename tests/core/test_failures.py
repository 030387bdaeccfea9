"""Clear failures (issue #8): a bad database URL, an unreachable or read-only database and an unwritable
scheduler lock file give one `Error:` line and a non-zero exit; a database error during a request is
logged as one concise line with one traceback."""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ink import create_app
from ink.extensions import db
from tests.conftest import base_config

pytestmark = pytest.mark.slow
UNREACHABLE_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/ink"  # nothing listens on port 1


def _run(*command: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "INK_SECRET_KEY": "failure-test", **env}
    return subprocess.run([sys.executable, *command], env=environment, capture_output=True, text=True, timeout=120)


def _flask(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return _run("-m", "flask", "--app", "ink", *args, **env)


def _error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """stderr without Alembic's progress lines (normal output of `db upgrade`)."""
    return [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("INFO  [alembic")]


def _assert_one_line(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    lines = _error_lines(result)
    assert result.returncode != 0
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    for text in expected:
        assert text in lines[0]


@pytest.mark.parametrize(("url", "expected"), [
    ("nosuch://somewhere/ink", "INK_DATABASE_URL is not a usable database URL"),
    ("not a database url", "INK_DATABASE_URL is not a usable database URL"),
    (UNREACHABLE_POSTGRES, "The database is unavailable"),
    ("sqlite:////nonexistent-directory/ink.sqlite3", "unable to open database file"),
])
@pytest.mark.parametrize("command", [("db", "upgrade"), ("scheduler", "--once")])
def test_database_misconfigured_or_unreachable_is_one_line(url: str, expected: str, command: tuple[str, ...]) -> None:
    _assert_one_line(_flask(*command, INK_DATABASE_URL=url), expected)


def test_make_run_with_an_unreachable_database_is_one_line() -> None:
    _assert_one_line(_run("-m", "ink.devserver", "--port", "5299", INK_DATABASE_URL=UNREACHABLE_POSTGRES),
                     "The database is unavailable", "Connection refused")


def test_read_only_database_is_one_line(tmp_path: Path) -> None:
    database = tmp_path / "ink.sqlite3"
    assert _flask("db", "upgrade", INK_DATABASE_URL=f"sqlite:///{database}").returncode == 0
    result = _flask("seed-demo", INK_DATABASE_URL=f"sqlite:///file:{database}?mode=ro&uri=true")
    _assert_one_line(result, "The database is read-only", "writable")


@pytest.mark.parametrize("make_unwritable", ["under_a_file", "a_directory"])
def test_unwritable_scheduler_lock_file_is_one_line(tmp_path: Path, make_unwritable: str) -> None:
    database = tmp_path / "ink.sqlite3"
    assert _flask("db", "upgrade", INK_DATABASE_URL=f"sqlite:///{database}").returncode == 0
    if make_unwritable == "under_a_file":
        (tmp_path / "plain-file").write_text("")
        lock = tmp_path / "plain-file" / "scheduler.lock"
    else:
        lock = tmp_path / "lock-dir"
        lock.mkdir()
    result = _flask("scheduler", "--once", INK_DATABASE_URL=f"sqlite:///{database}", INK_SCHEDULER_LOCK_FILE=str(lock))
    _assert_one_line(result, "Cannot write")


def _skip_unless_nobody_can_run_the_app(prefix: list[str]) -> None:
    """A checkout under a private folder (``mktemp -d`` makes one, mode 0700) hides the virtualenv and the
    code from the unprivileged user: nothing to test there. CI's checkout is readable, so CI must not skip."""
    probe = subprocess.run([*prefix, sys.executable, "-c", "import flask, ink"], capture_output=True, text=True,
                           timeout=60, cwd=Path(__file__).resolve().parents[2])
    if probe.returncode != 0:
        reason = f"the unprivileged user cannot run this checkout's Python: {probe.stderr.strip()[-200:]}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def read_only_instance() -> Iterator[tuple[Path, list[str]]]:
    """A migrated SQLite database in a folder this process cannot write, and the command prefix to run as
    a user it is read-only for (root writes anywhere, so as root the command runs as nobody)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        _skip_unless_nobody_can_run_the_app(prefix)
    folder = Path(tempfile.mkdtemp(prefix="ink-read-only-"))
    try:
        assert _flask("db", "upgrade", INK_DATABASE_URL=f"sqlite:///{folder / 'ink.sqlite3'}").returncode == 0
        (folder / "ink.sqlite3").chmod(0o644)
        folder.chmod(0o555)
        yield folder, prefix
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def _as(prefix: list[str], *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "INK_SECRET_KEY": "failure-test", "HOME": "/tmp", **env}
    return subprocess.run([*prefix, sys.executable, "-m", "flask", "--app", "ink", *args], env=environment,
                          capture_output=True, text=True, timeout=120)


def test_read_only_instance_folder_is_one_line(read_only_instance: tuple[Path, list[str]]) -> None:
    folder, prefix = read_only_instance
    url = f"sqlite:///{folder / 'ink.sqlite3'}"
    _assert_one_line(_as(prefix, "seed-demo", INK_DATABASE_URL=url), "The database is read-only")
    locked_out = _as(prefix, "scheduler", "--once", INK_DATABASE_URL=url, INK_SCHEDULER_LOCK_FILE=str(folder / "scheduler.lock"))
    _assert_one_line(locked_out, "Cannot write", "scheduler.lock", "permission denied")


def test_a_database_error_during_a_request_logs_one_line_and_one_traceback(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(base_config(UNREACHABLE_POSTGRES, PROPAGATE_TEST_ERRORS=False))
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/")
    assert response.status_code == 500
    records = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(records) == 1
    text = records[0].getMessage()
    assert records[0].exc_info is None and records[0].exc_text is None  # the traceback is in the message, once
    assert text.splitlines()[0].startswith("GET / failed: The database is unavailable: connection failed")
    assert text.count("Traceback (most recent call last)") == 1
    assert "direct cause" not in text and "During handling" not in text
    with app.app_context():
        db.engine.dispose()
