"""Which fields of an imported series the source owns, offered to the events domain without it
importing this one (ink/jobs.py's ``register_source``): the series form shows them read-only and
``update_series`` refuses a change to them."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from ink.events.models import EventSeries
from ink.extensions import db
from ink.jobs import register_source
from ink.sources.models import CalendarSource, SourceEvent

# The name the events domain asks for (ink.events.service.SERIES_OWNER).
OWNER_SOURCE = "series-owner"


def series_source(series: EventSeries) -> CalendarSource | None:
    """The calendar source the series is imported from, or None for an ordinary series."""
    if series.id is None:
        return None
    return db.session.scalar(
        sa.select(CalendarSource).join(SourceEvent, SourceEvent.source_id == CalendarSource.id)
        .where(SourceEvent.series_id == series.id)
    )


def series_source_name(series: EventSeries) -> str | None:
    """The name of the calendar the series is imported from, or None for an ordinary series."""
    source = series_source(series)
    return None if source is None else source.name


def connect_listeners(app: Flask) -> None:
    """Offer ``series_source_name`` to the events domain."""
    register_source(app, OWNER_SOURCE, series_source_name)
