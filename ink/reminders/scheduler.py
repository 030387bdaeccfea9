"""The scheduler process: `flask --app ink scheduler`.

One process, never inside web workers. It holds a lock for its whole life (PostgreSQL advisory lock,
or on SQLite an flock'ed file under instance/), so a second scheduler started by mistake exits with
a clear message (or waits, with --wait). Every job first verifies the lock is still held: a database
restart frees an advisory lock silently, and a scheduler that lost it does nothing until it holds it
again (another may have taken it meanwhile). Jobs have fixed ids, coalesce, max_instances=1 and a misfire
grace suited to each; each is an idempotent function of "now" over our own tables, so a late, skipped
or repeated run never doubles a message.
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
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from ink.extensions import db, now as clock_now
from ink.failures import log_failure
from ink.readiness import ReadinessCheck
from ink.reminders.models import SchedulerHeartbeat

HEARTBEAT_NAME = "scheduler"
STALE_AFTER = timedelta(minutes=5)
# pg_try_advisory_lock key: "INK" + 1, fixed so every scheduler of this database competes for it.
ADVISORY_LOCK_KEY = 0x494E4B01


LOCK_LOST = "not acting: the scheduler lock is not held"


class SchedulerLocked(RuntimeError):
    pass


# --- the single-scheduler lock -------------------------------------------------------------------

def lock_file_path(app: Flask) -> Path:
    return Path(app.config.get("SCHEDULER_LOCK_FILE") or os.path.join(app.instance_path, "scheduler.lock"))


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


# --- heartbeat -----------------------------------------------------------------------------------

def beat(now: datetime, summary: str, *, started_at: datetime | None = None) -> None:
    heartbeat = db.session.get(SchedulerHeartbeat, HEARTBEAT_NAME)
    if heartbeat is None:
        heartbeat = SchedulerHeartbeat(name=HEARTBEAT_NAME, last_tick_at=now)
        db.session.add(heartbeat)
    heartbeat.last_tick_at = now
    heartbeat.host = socket.gethostname()[:120]
    heartbeat.pid = os.getpid()
    heartbeat.last_summary = summary[:500]
    if started_at is not None:
        heartbeat.started_at = started_at
    db.session.commit()


@dataclass
class HeartbeatStatus:
    last_tick_at: datetime | None
    summary: str
    is_stale: bool


def heartbeat_status(now: datetime) -> HeartbeatStatus:
    heartbeat = db.session.get(SchedulerHeartbeat, HEARTBEAT_NAME)
    if heartbeat is None:
        return HeartbeatStatus(None, "", True)
    return HeartbeatStatus(heartbeat.last_tick_at, heartbeat.last_summary, now - heartbeat.last_tick_at > STALE_AFTER)


def heartbeat_readiness(now: datetime) -> ReadinessCheck:
    """For /readyz: the heartbeat's age. Reported, never failing: the web serves while the scheduler is down."""
    status = heartbeat_status(now)
    age = None if status.last_tick_at is None else round((now - status.last_tick_at).total_seconds())
    return ReadinessCheck(True, {
        "last_tick_at": status.last_tick_at.isoformat() if status.last_tick_at else None,
        "age_seconds": age, "is_stale": status.is_stale,
    })


# --- jobs (each runs in its own app context and session) ------------------------------------------

def tick(app: Flask, lock: SchedulerLock | None = None, *, log_errors: bool = True) -> str:
    """Every minute: plan what is due, send it, write the heartbeat. With ``lock``, only while it is held
    (a failure is logged once, then raised)."""
    from ink.reminders.outbox import dispatch_due, plan_due_messages

    with app.app_context():
        if lock is not None and not lock.verify():
            app.logger.warning("Scheduler lock lost (another scheduler holds it, or the database is away): not acting")
            return LOCK_LOST
        try:
            moment = clock_now()
            planned = plan_due_messages(moment)
            result = dispatch_due(moment)
            summary = f"planned {planned}; {result}"
            beat(clock_now(), summary)
            return summary
        except Exception as error:
            db.session.rollback()
            if log_errors:
                log_failure(app.logger, error, "Scheduler tick")
            with contextlib.suppress(Exception):
                beat(clock_now(), "last tick failed (see the scheduler's log)")
            raise
        finally:
            db.session.remove()


def daily_job(app: Flask, lock: SchedulerLock | None = None) -> int:
    """Extend the occurrence horizon; forget addresses that never confirmed."""
    from ink.events.service import extend_horizon
    from ink.reminders.service import purge_unconfirmed

    with app.app_context():
        if lock is not None and not lock.verify():
            return 0
        try:
            added = extend_horizon(now=clock_now(), horizon=timedelta(days=current_app.config["OCCURRENCE_HORIZON_DAYS"]))
            db.session.commit()
            purge_unconfirmed(now=clock_now())
            db.session.commit()
            return added
        finally:
            db.session.remove()


def weekly_job(app: Flask, lock: SchedulerLock | None = None) -> str:
    """Monday morning: digests and coordinators' summaries (the minute tick also catches up after downtime)."""
    from ink.reminders.outbox import dispatch_due, plan_weekly

    with app.app_context():
        if lock is not None and not lock.verify():
            return LOCK_LOST
        try:
            moment = clock_now()
            planned = plan_weekly(moment)
            db.session.commit()
            return f"planned {planned}; {dispatch_due(moment)}"
        finally:
            db.session.remove()


def _tick_and_report(app: Flask, echo: Any = print, lock: SchedulerLock | None = None) -> None:
    try:
        summary = tick(app, lock)
    except Exception:  # noqa: BLE001  (tick logged it in one line and one traceback; the next minute retries)
        return
    if not summary.startswith("planned 0; sent 0, skipped 0, retry later 0, failed 0"):
        echo(f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S} {summary}")


def build_scheduler(app: Flask, echo: Any = print, lock: SchedulerLock | None = None) -> Any:
    from apscheduler.schedulers.blocking import BlockingScheduler

    timezone = app.config["TIMEZONE"]
    scheduler = BlockingScheduler(
        timezone=timezone, job_defaults={"coalesce": True, "max_instances": 1},
    )
    # A late minute tick is pointless once the next is near; a daily or weekly job is still worth running hours late.
    scheduler.add_job(_tick_and_report, "interval", minutes=1, args=[app, echo, lock], id="dispatch-due", name="plan and send due messages",
                      replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=50, next_run_time=datetime.now().astimezone())
    scheduler.add_job(daily_job, "cron", hour=3, minute=17, args=[app, lock], id="extend-horizon",
                      name="extend the occurrence horizon", replace_existing=True, coalesce=True, max_instances=1,
                      misfire_grace_time=6 * 3600)
    hour = int(app.config.get("DIGEST_HOUR", 7))
    scheduler.add_job(weekly_job, "cron", day_of_week="mon", hour=hour, minute=0, args=[app, lock], id="weekly-digests",
                      name="weekly digests and coordinators' summary", replace_existing=True, coalesce=True,
                      max_instances=1, misfire_grace_time=12 * 3600)
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
        echo(f"Scheduler running (jobs: {', '.join(job.id for job in scheduler.get_jobs())}); Ctrl+C stops it.")
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()
