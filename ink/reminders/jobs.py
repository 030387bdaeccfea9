"""The reminders domain's scheduled jobs, registered in ink/jobs.py by ``init_app``.

Each is an idempotent function of "now" over our own tables (a late, skipped or repeated run never
doubles a message); each commits its own work and returns a one-line summary.
"""
from __future__ import annotations

from datetime import datetime

from flask import Flask

from ink.extensions import db
from ink.jobs import register_job
from ink.reminders.dispatch import dispatch_due
from ink.reminders.planning import plan_due_messages, plan_weekly
from ink.reminders.service import purge_unconfirmed

# What send_due says when there was nothing to do (not worth printing every minute).
NOTHING_DONE = "planned 0; sent 0, skipped 0, retry later 0, failed 0"


def send_due(now: datetime) -> str:
    """Every minute: plan what is due, then send it."""
    planned = plan_due_messages(now)
    result = dispatch_due(now)
    return f"planned {planned}; {result}"


def send_weekly(now: datetime) -> str:
    """Monday morning: digests and coordinators' summaries (the minute tick also catches up after downtime)."""
    planned = plan_weekly(now)
    db.session.commit()
    return f"planned {planned}; {dispatch_due(now)}"


def purge_unconfirmed_addresses(now: datetime) -> str:
    """Daily: forget addresses that never confirmed."""
    purged = purge_unconfirmed(now=now)
    db.session.commit()
    return f"forgot {purged} unconfirmed addresses"


def register_jobs(app: Flask) -> None:
    """Register the reminders jobs: dispatch every minute, purge daily, digests on Monday morning."""
    # A late minute tick is pointless once the next is near; a daily or weekly job is still worth running hours late.
    register_job(app, "dispatch-due", send_due, "interval", minutes=1, misfire_grace_time=50,
                 description="plan and send due messages", is_tick=True, quiet_prefix=NOTHING_DONE)
    register_job(app, "purge-unconfirmed", purge_unconfirmed_addresses, "cron", hour=3, minute=27,
                 misfire_grace_time=6 * 3600, description="forget addresses that never confirmed")
    register_job(app, "weekly-digests", send_weekly, "cron", day_of_week="mon",
                 hour=int(app.config["DIGEST_HOUR"]), minute=0, misfire_grace_time=12 * 3600,
                 description="weekly digests and coordinators' summary")
