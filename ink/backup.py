"""Backups that do not lose data: a consistent copy while the app serves, and a restore into an empty database.

SQLite: the online backup API copies a consistent snapshot through a connection, so what is still in the
WAL is included (copying the file is not: committed transactions may sit in ``-wal`` beside it).
PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot) and ``pg_restore`` in one transaction,
the client programs found on PATH or in /usr/lib/postgresql/*/bin (the newest there).
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def backup_database(engine: Engine, path: Path) -> int:
    """Write a consistent copy of the database to ``path`` (which must not exist); returns its size in bytes."""
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name (a backup never overwrites one).")
    if not path.parent.is_dir():
        raise BackupError(f"The directory {path.parent} does not exist.")
    partial = path.with_name(path.name + ".partial")
    try:
        if engine.dialect.name == "sqlite":
            _sqlite_backup(_sqlite_path(engine.url), partial)
        elif engine.dialect.name == "postgresql":
            _run_client("pg_dump", ["--format=custom", "--no-owner", "--file", str(partial), "--dbname", _conninfo(engine.url)],
                        engine.url)
        else:
            raise BackupError(f"Backups of {engine.dialect.name} databases are not supported.")
        partial.replace(path)  # only a complete backup gets the name asked for
    finally:
        partial.unlink(missing_ok=True)
    return path.stat().st_size


def restore_database(engine: Engine, path: Path) -> None:
    """Load the backup at ``path`` into the (empty) database of ``engine``."""
    header = _read_header(path)
    tables = sa.inspect(engine).get_table_names()
    if tables:
        raise BackupError(
            f"The database is not empty ({len(tables)} tables, e.g. {sorted(tables)[0]}); restore only loads into an "
            "empty database. Point INK_DATABASE_URL at a new database (or a new SQLite file) and try again."
        )
    engine.dispose()
    if engine.dialect.name == "sqlite":
        if not header.startswith(SQLITE_HEADER):
            raise BackupError(f"{path} is not a SQLite backup (this database is SQLite).")
        _sqlite_restore(path, _sqlite_path(engine.url))
    elif engine.dialect.name == "postgresql":
        if not header.startswith(PG_DUMP_HEADER):
            raise BackupError(f"{path} is not a pg_dump custom-format backup (this database is PostgreSQL).")
        _run_client("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                                   "--dbname", _conninfo(engine.url), str(path)], engine.url)
    else:
        raise BackupError(f"Restoring {engine.dialect.name} databases is not supported.")


def _read_header(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(16)
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}.") from None


# --- SQLite -------------------------------------------------------------------------------------

def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return url.database


def _sqlite_backup(source_path: str, target: Path) -> None:
    source = sqlite3.connect(source_path, timeout=30)  # read only in effect; mode=ro cannot always open a WAL database
    copy = sqlite3.connect(target)
    try:
        source.execute("PRAGMA busy_timeout=30000")
        # pages=-1: the whole database in one step, one read transaction, one consistent snapshot.
        source.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite backup failed: {error}.") from None
    finally:
        copy.close()
        source.close()


def _sqlite_restore(backup: Path, target_path: str) -> None:
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target, pages=-1)
    except sqlite3.Error as error:
        raise BackupError(f"The SQLite restore failed: {error}.") from None
    finally:
        target.close()
        source.close()


# --- PostgreSQL ---------------------------------------------------------------------------------

def find_client(program: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest under /usr/lib/postgresql/*/bin."""
    found = shutil.which(program)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{program}")
    if not candidates:
        raise BackupError(f"{program} was not found on PATH or in /usr/lib/postgresql/*/bin; install the PostgreSQL client.")
    return max(candidates, key=lambda candidate: [int(part) for part in re.findall(r"\d+", candidate)])


def _conninfo(url: URL) -> str:
    """A libpq URL without the password (that goes through PGPASSWORD, not the process list)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run_client(program: str, arguments: list[str], url: URL) -> None:
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    result = subprocess.run([find_client(program), *arguments], env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BackupError(f"{program} failed: {lines[0] if lines else f'exit status {result.returncode}'}")
