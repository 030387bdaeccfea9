"""The sources' panels on the events domain's pages (ink/panels.py): a link to the calendar sources on
the dashboard, and "from <calendar>" on the manage page of an imported series."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask

from ink.events.models import EventSeries
from ink.organisations.access import editor_organisation_ids, is_coordinator
from ink.panels import register_panel
from ink.sources.ownership import series_source


def dashboard_context(user: Any, obj: Any, moment: datetime) -> dict[str, Any] | None:
    """Shown to coordinators and editors."""
    if not getattr(user, "is_authenticated", False) or not (is_coordinator(user) or editor_organisation_ids(user)):
        return None
    return {}


def series_context(user: Any, series: EventSeries, moment: datetime) -> dict[str, Any] | None:
    """The calendar an imported series comes from, or None."""
    source = series_source(series)
    return None if source is None else {"source": source}


def register_panels(app: Flask) -> None:
    """Register the dashboard link and the series panel."""
    register_panel(app, "dashboard", "sources/_dashboard_panel.html", dashboard_context)
    register_panel(app, "series", "sources/_series_panel.html", series_context)
