"""The events domain's scheduled job: keep a rolling horizon of occurrences (registered in ink/jobs.py)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app

from ink.events.service import extend_horizon
from ink.extensions import db
from ink.jobs import register_job


def extend_horizon_job(now: datetime) -> str:
    """Daily: create the occurrences that came within the horizon (OCCURRENCE_HORIZON_DAYS)."""
    added = extend_horizon(now=now, horizon=timedelta(days=current_app.config["OCCURRENCE_HORIZON_DAYS"]))
    db.session.commit()
    return f"added {added} occurrences"


def register_jobs(app: Flask) -> None:
    """Register the daily horizon job (create_app calls this with the lower domains' blueprints)."""
    register_job(app, "extend-horizon", extend_horizon_job, "cron", hour=3, minute=17,
                 misfire_grace_time=6 * 3600, description="extend the occurrence horizon")
