"""The scheduler process: `flask --app ink scheduler`. It runs the jobs registered in ink/jobs.py and knows no domain.

One process, never inside web workers. It holds a lock for its whole life (PostgreSQL advisory lock,
or on SQLite an flock'ed file under instance/), so a second scheduler started by mistake exits with
a clear message (or waits, with --wait). Every job first verifies the lock is still held: a database
restart frees an advisory lock silently, and a scheduler that lost it does nothing until it holds it
again (another may have taken it meanwhile). Jobs have fixed ids, coalesce, max_instances=1 and the
misfire grace their domain registered; each is an idempotent function of "now" over our own tables, so
a late, skipped or repeated run never doubles a message. The tick job's summary is the heartbeat.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from ink.extensions import db, now as clock_now
from ink.failures import log_failure
from ink.jobs import Job, jobs_of
from ink.reminders.heartbeat import beat

# pg_try_advisory_lock key: "INK" + 1, fixed so every scheduler of this database competes for it.
ADVISORY_LOCK_KEY = 0x494E4B01


LOCK_LOST = "not acting: the scheduler lock is not held"


class SchedulerLocked(RuntimeError):
    pass


# --- the single-scheduler lock -------------------------------------------------------------------

def lock_file_path(app: Flask) -> Path:
    return Path(app.config["SCHEDULER_LOCK_FILE"])  # create_app puts it in the instance folder unless set


class SchedulerLock:
    """The single-scheduler lock: a PostgreSQL session advisory lock on a connection of its own, or on
    SQLite an flock'ed file. ``verify`` (every tick) checks it is still held and tries to take it again
    when it was lost (a database restart ends the session and frees the advisory lock silently)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.is_postgresql = db.engine.dialect.name == "postgresql"
        self.engine = db.engine
        self.connection: sa.Connection | None = None
        self.handle: Any = None

    def try_acquire(self, *, unreachable_is_not_held: bool = True) -> bool:
        """Take the lock if it is free; True when this process holds it. An unreachable database counts as
        "not held" while running (the next tick tries again); at start it raises, for a clear error."""
        if not self.is_postgresql:
            return self._try_flock()
        self._close_connection()
        try:
            connection = self.engine.connect()  # pool_pre_ping: never a pooled connection that died
            held = bool(connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar())
            connection.commit()
        except sa.exc.DBAPIError:
            if not unreachable_is_not_held:
                raise
            return False  # the database is not reachable (yet): not held
        if held:
            self.connection = connection
        else:
            connection.close()
        return held

    def verify(self) -> bool:
        """Still held? If lost, try to take it again. False: this scheduler must not act now."""
        if not self.is_postgresql:
            return self.handle is not None
        if self.connection is not None:
            try:
                held = bool(self.connection.execute(sa.text(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid() AND classid = 0 AND objid = CAST(:key AS oid))"
                ), {"key": ADVISORY_LOCK_KEY}).scalar())
                self.connection.rollback()
                if held:
                    return True
            except sa.exc.DBAPIError:
                pass  # the lock's connection died with its session: the lock is gone
        return self.try_acquire()

    def release(self) -> None:
        if not self.is_postgresql:
            if self.handle is not None:
                fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
                self.handle.close()
                self.handle = None
            return
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                self.connection.commit()
        self._close_connection()

    def _close_connection(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None

    def _try_flock(self) -> bool:
        if self.handle is not None:
            return True
        path = lock_file_path(self.app)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{socket.gethostname()} {os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return True

    def describe_holder(self) -> str:
        if self.is_postgresql:
            return "Another scheduler holds the PostgreSQL advisory lock for this database."
        return f"Another scheduler holds the lock file {lock_file_path(self.app)}."


@contextlib.contextmanager
def scheduler_lock(app: Flask, *, wait: bool = False, poll_seconds: float = 5.0) -> Iterator[SchedulerLock]:
    """Held for the life of the scheduler. Raises SchedulerLocked when another holds it (unless wait)."""
    lock = SchedulerLock(app)
    while not lock.try_acquire(unreachable_is_not_held=False):
        if not wait:
            raise SchedulerLocked(lock.describe_holder())
        time.sleep(poll_seconds)
    try:
        yield lock
    finally:
        lock.release()


# --- running the registered jobs (each in its own app context and session) -------------------------

def run_job(app: Flask, job: Job, lock: SchedulerLock | None = None, *, log_errors: bool = True) -> str:
    """Run one registered job now. With ``lock``, only while it is held. A failure is logged once
    (unless ``log_errors`` is False), then raised; the tick job writes the heartbeat either way."""
    with app.app_context():
        if lock is not None and not lock.verify():
            app.logger.warning("Scheduler lock lost (another scheduler holds it, or the database is away): not acting")
            return LOCK_LOST
        try:
            summary = str(job.func(clock_now()))
            if job.is_tick:
                beat(clock_now(), summary)
            return summary
        except Exception as error:
            db.session.rollback()
            if log_errors:
                log_failure(app.logger, error, "Scheduler tick" if job.is_tick else f"Scheduled job {job.name}")
            if job.is_tick:
                with contextlib.suppress(Exception):
                    beat(clock_now(), "last tick failed (see the scheduler's log)")
            raise
        finally:
            db.session.remove()


def tick(app: Flask, lock: SchedulerLock | None = None, *, log_errors: bool = True) -> str:
    """What runs every minute (the jobs registered as the tick): plan and send what is due, write the heartbeat."""
    return "; ".join(run_job(app, job, lock, log_errors=log_errors) for job in jobs_of(app) if job.is_tick)


def _run_and_report(app: Flask, job: Job, echo: Any = print, lock: SchedulerLock | None = None) -> None:
    try:
        summary = run_job(app, job, lock)
    except Exception:  # noqa: BLE001  (run_job logged it in one line and one traceback; the next run retries)
        return
    if job.quiet_prefix is None or not summary.startswith(job.quiet_prefix):
        echo(f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S} {summary}")


def build_scheduler(app: Flask, echo: Any = print, lock: SchedulerLock | None = None) -> BlockingScheduler:
    """An APScheduler with one job per registered job: fixed id, coalescing, one instance at a time."""
    scheduler = BlockingScheduler(
        timezone=app.config["TIMEZONE"], job_defaults={"coalesce": True, "max_instances": 1},
    )
    for job in jobs_of(app):
        start_now = {"next_run_time": datetime.now().astimezone()} if job.is_tick else {}
        scheduler.add_job(_run_and_report, job.trigger, args=[app, job, echo, lock], id=job.name,
                          name=job.description or job.name, replace_existing=True, coalesce=True, max_instances=1,
                          misfire_grace_time=job.misfire_grace_time, **job.trigger_args, **start_now)
    return scheduler


def run(app: Flask, *, wait: bool = False, once: bool = False, echo: Any = print) -> None:
    """Run the scheduler (or one tick with ``once``). Raises SchedulerLocked if another one runs."""
    with contextlib.ExitStack() as stack:
        with app.app_context():
            lock = stack.enter_context(scheduler_lock(app, wait=wait))
        if once:
            echo(tick(app, lock, log_errors=False))  # the command reports a failure itself, in one line
            return
        with app.app_context():
            beat(clock_now(), "started", started_at=clock_now())
            db.session.remove()
        scheduler = build_scheduler(app, echo, lock)
        # `make run` stops us with SIGTERM: leave through the same door as Ctrl+C, releasing the lock.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        echo(f"Scheduler running (jobs: {', '.join(sorted(job.id for job in scheduler.get_jobs()))}); Ctrl+C stops it.")
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()
