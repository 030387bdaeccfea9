"""Slots on pages that higher domains fill without the lower ones importing them.

A page of a lower domain (the dashboard, an occurrence, an event page) renders the panels that
higher domains (feeds, attendance, reminders) registered for its slot. Each panel is a template and
a function giving its context, or None to stay hidden:

    register_panel(app, "occurrence", "attendance/_occurrence_panel.html", attendance_panel_context)

Slots: "nav" (main navigation items, obj None), "dashboard" (obj None), "series" (EventSeries, manage page), "occurrence" (Occurrence, manage page),
"occurrence_cancel" (Occurrence) and "series_cancel" (EventSeries) on the confirmation pages before cancelling,
"public_event" (EventSeries), "public_event_next" (Occurrence: the next date that takes place, at the top
of the event page: items of a list of actions beside it), "public_organisation" (Organisation), "public_topic" (Topic),
"public_programme" (obj: the programme's active filter, an ink.events.filters.FeedFilter), "public_programme_head"
(the same filter: elements for the programme page's <head>, such as feed links), "organisation_manage" (Organisation,
below its profile form in /manage).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from flask_login import current_user

from ink.extensions import now

PanelContext = Callable[[Any, Any, datetime], "dict[str, Any] | None"]
SLOTS = ("nav", "dashboard", "series", "occurrence", "occurrence_cancel", "series_cancel", "public_event", "public_event_next",
         "public_organisation", "public_topic", "public_programme", "public_programme_head", "organisation_manage")


def register_panel(app: Flask, slot: str, template: str, context: PanelContext) -> None:
    if slot not in SLOTS:
        raise ValueError(f"Unknown panel slot {slot!r}")
    app.extensions.setdefault("ink.panels", {}).setdefault(slot, []).append((template, context))


def panels_for(slot: str, obj: Any = None) -> list[tuple[str, dict[str, Any]]]:
    """The (template, context) pairs to render in ``slot`` for the current user and this object."""
    rendered = []
    moment = now()
    for template, context in current_app.extensions.get("ink.panels", {}).get(slot, []):
        values = context(current_user, obj, moment)
        if values is not None:
            rendered.append((template, values))
    return rendered
