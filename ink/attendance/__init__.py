"""Drop-in attendance: counts per occurrence, the door counter for volunteers, and reports."""
from __future__ import annotations

from flask import Flask


from ink.attendance import panels, service
from ink.attendance.cli import door_link_command
from ink.attendance.views import bp
from ink.jobs import register_source
from ink.panels import register_panel


def init_app(app: Flask) -> None:
    """Register the blueprint, the door-link command, panels and the missing-count source."""
    app.register_blueprint(bp)
    app.cli.add_command(door_link_command)
    register_panel(app, "occurrence", "attendance/_occurrence_panel.html", panels.occurrence_panel)
    register_panel(app, "series", "attendance/_series_panel.html", panels.series_panel)
    register_panel(app, "dashboard", "attendance/_dashboard_panel.html", panels.dashboard_panel)
    # Reminders nudge editors about missing counts without importing this domain.
    register_source(app, "missing-counts", service.occurrences_missing_count)
