"""The sources' scheduled job and command: sync every source that is due (registered in ink/jobs.py)."""
from __future__ import annotations

from datetime import datetime

import click
from flask import Flask

from ink.extensions import now
from ink.jobs import register_job
from ink.sources.sync import sync_due_sources


def sync_sources_job(moment: datetime) -> str:
    """Every SYNC_INTERVAL_MINUTES: sync the sources that are due (commits its own work)."""
    return sync_due_sources(moment)


def register_jobs(app: Flask) -> None:
    """Register the sync job and the ``flask sync-sources`` command."""
    register_job(app, "sync-sources", sync_sources_job, "interval",
                 minutes=int(app.config["SYNC_INTERVAL_MINUTES"]), misfire_grace_time=600,
                 description="sync the members' calendars", quiet_prefix="no sources due")

    @app.cli.command("sync-sources")
    def sync_sources_command() -> None:
        """Sync every calendar source that is due now."""
        click.echo(sync_due_sources(now()))
