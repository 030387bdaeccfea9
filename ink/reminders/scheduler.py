"""The scheduler process: `flask --app ink scheduler`.

One process, never inside web workers. It holds a lock for its whole life (PostgreSQL advisory lock,
or on SQLite an flock'ed file under instance/), so a second scheduler started by mistake exits with
a clear message (or waits, with --wait). Jobs have fixed ids, coalesce, max_instances=1 and a misfire
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


class SchedulerLocked(RuntimeError):
    pass


# --- the single-scheduler lock -------------------------------------------------------------------

def lock_file_path(app: Flask) -> Path:
    return Path(app.config.get("SCHEDULER_LOCK_FILE") or os.path.join(app.instance_path, "scheduler.lock"))


@contextlib.contextmanager
def scheduler_lock(app: Flask, *, wait: bool = False, poll_seconds: float = 5.0) -> Iterator[None]:
    """Held for the life of the scheduler. Raises SchedulerLocked when another holds it (unless wait)."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        # A session-level advisory lock on a connection kept open for the process's life.
        connection = engine.connect()
        try:
            while not connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar():
                connection.rollback()
                if not wait:
                    raise SchedulerLocked("Another scheduler holds the PostgreSQL advisory lock for this database.")
                time.sleep(poll_seconds)
            connection.commit()
            yield
        finally:
            with contextlib.suppress(Exception):
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                connection.commit()
            connection.close()
        return
    path = lock_file_path(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    raise SchedulerLocked(f"Another scheduler holds the lock file {path}.") from None
                time.sleep(poll_seconds)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{socket.gethostname()} {os.getpid()}\n")
            handle.flush()
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


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

def tick(app: Flask, *, log_errors: bool = True) -> str:
    """Every minute: plan what is due, send it, write the heartbeat (a failure is logged once, then raised)."""
    from ink.reminders.outbox import dispatch_due, plan_due_messages

    with app.app_context():
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


def daily_job(app: Flask) -> int:
    """Extend the occurrence horizon; forget addresses that never confirmed."""
    from ink.events.service import extend_horizon
    from ink.reminders.service import purge_unconfirmed

    with app.app_context():
        try:
            added = extend_horizon(now=clock_now(), horizon=timedelta(days=current_app.config["OCCURRENCE_HORIZON_DAYS"]))
            db.session.commit()
            purge_unconfirmed(now=clock_now())
            db.session.commit()
            return added
        finally:
            db.session.remove()


def weekly_job(app: Flask) -> str:
    """Monday morning: digests and coordinators' summaries (the minute tick also catches up after downtime)."""
    from ink.reminders.outbox import dispatch_due, plan_weekly

    with app.app_context():
        try:
            moment = clock_now()
            planned = plan_weekly(moment)
            db.session.commit()
            return f"planned {planned}; {dispatch_due(moment)}"
        finally:
            db.session.remove()


def _tick_and_report(app: Flask, echo: Any = print) -> None:
    try:
        summary = tick(app)
    except Exception:  # noqa: BLE001  (tick logged it in one line and one traceback; the next minute retries)
        return
    if not summary.startswith("planned 0; sent 0, skipped 0, retry later 0, failed 0"):
        echo(f"{datetime.now().astimezone():%Y-%m-%d %H:%M:%S} {summary}")


def build_scheduler(app: Flask, echo: Any = print) -> Any:
    from apscheduler.schedulers.blocking import BlockingScheduler

    timezone = app.config["TIMEZONE"]
    scheduler = BlockingScheduler(
        timezone=timezone, job_defaults={"coalesce": True, "max_instances": 1},
    )
    # A late minute tick is pointless once the next is near; a daily or weekly job is still worth running hours late.
    scheduler.add_job(_tick_and_report, "interval", minutes=1, args=[app, echo], id="dispatch-due", name="plan and send due messages",
                      replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=50, next_run_time=datetime.now().astimezone())
    scheduler.add_job(daily_job, "cron", hour=3, minute=17, args=[app], id="extend-horizon",
                      name="extend the occurrence horizon", replace_existing=True, coalesce=True, max_instances=1,
                      misfire_grace_time=6 * 3600)
    hour = int(app.config.get("DIGEST_HOUR", 7))
    scheduler.add_job(weekly_job, "cron", day_of_week="mon", hour=hour, minute=0, args=[app], id="weekly-digests",
                      name="weekly digests and coordinators' summary", replace_existing=True, coalesce=True,
                      max_instances=1, misfire_grace_time=12 * 3600)
    return scheduler


def run(app: Flask, *, wait: bool = False, once: bool = False, echo: Any = print) -> None:
    """Run the scheduler (or one tick with ``once``). Raises SchedulerLocked if another one runs."""
    with contextlib.ExitStack() as stack:
        with app.app_context():
            stack.enter_context(scheduler_lock(app, wait=wait))
        if once:
            echo(tick(app, log_errors=False))  # the command reports a failure itself, in one line
            return
        with app.app_context():
            beat(clock_now(), "started", started_at=clock_now())
            db.session.remove()
        scheduler = build_scheduler(app, echo)
        # `make run` stops us with SIGTERM: leave through the same door as Ctrl+C, releasing the lock.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        echo(f"Scheduler running (jobs: {', '.join(job.id for job in scheduler.get_jobs())}); Ctrl+C stops it.")
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()
