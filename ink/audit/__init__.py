"""The audit log: who did what and when, for every create, edit and named action on any domain's rows.

Modules: models (the append-only table), recorder (the session listener, the actor hook ``acting_as``
and the data tables that decide what is logged and how it is named; it imports no domain), labels,
service (reading), forms, panels, views (/manage/audit, coordinators only).
"""
from __future__ import annotations

from flask import Flask

from ink.audit import panels, recorder, views
from ink.panels import register_panel


def init_app(app: Flask) -> None:
    """Record this app's changes, and register the page and the dashboard panel."""
    recorder.install(app)
    app.register_blueprint(views.bp)
    register_panel(app, "dashboard", "audit/_dashboard_panel.html", panels.dashboard_panel)
