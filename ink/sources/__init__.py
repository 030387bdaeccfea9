"""Members' own calendars (ICS sources), fetched, mapped and kept in sync with the events domain.

Above events: this package imports events and organisations, never the reverse. ``init_app`` registers
the manage blueprint, the sync job, the failure notice, the CLI command, the demo calendar's route and
the listener that keeps source-owned fields read-only.
"""
from __future__ import annotations

from flask import Flask

from ink.sources import jobs, notices, ownership, panels, views


def init_app(app: Flask) -> None:
    """Register the sources domain's blueprint, job, notice, command and listeners."""
    app.register_blueprint(views.bp)
    jobs.register_jobs(app)
    notices.register_notices(app)
    ownership.connect_listeners(app)
    panels.register_panels(app)
