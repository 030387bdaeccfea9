"""Reminders: resident subscriptions (double opt-in), the outbox, mail, and the scheduler process.

Modules, each importing only those above it in this list: models, links (tokens, absolute URLs), mail,
outbox (the table's primitives, the erasure check), planning (every plan_*, a reminder's send time),
service (subscriptions), reactions (what the signal listeners do), compose, dispatch, heartbeat, jobs
(this domain's scheduled work), scheduler (the process, its lock); then listeners, panels, views, cli.
"""
from __future__ import annotations

from flask import Flask

from ink.extensions import csrf
from ink.notices import provide_queue
from ink.panels import register_panel
from ink.readiness import register_readiness_check
from ink.reminders import cli, heartbeat, jobs, listeners, outbox, panels, views


def init_app(app: Flask) -> None:
    """Register the blueprint, signal listeners, panels, readiness check, jobs, the notice queue and commands."""

    app.register_blueprint(views.bp)
    # RFC 8058: mail clients POST the one-click unsubscribe without our CSRF token. The signed
    # token in the URL is the proof; nothing else is exempt.
    csrf.exempt(views.one_click_unsubscribe)
    listeners.connect()
    register_panel(app, "public_event", "reminders/_subscribe_panel.html", panels.event_panel)
    register_panel(app, "public_event_next", "reminders/_next_date_action.html", panels.next_date_action)
    register_panel(app, "public_organisation", "reminders/_subscribe_panel.html", panels.organisation_panel)
    register_panel(app, "public_topic", "reminders/_subscribe_panel.html", panels.topic_panel)
    register_panel(app, "dashboard", "reminders/_dashboard_panel.html", panels.dashboard_panel)
    register_panel(app, "occurrence_cancel", "reminders/_cancel_panel.html", panels.occurrence_cancel_panel)
    register_panel(app, "series_cancel", "reminders/_cancel_panel.html", panels.series_cancel_panel)
    register_readiness_check(app, "scheduler", heartbeat.heartbeat_readiness)
    jobs.register_jobs(app)
    provide_queue(app, outbox.queue_notice_row)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
