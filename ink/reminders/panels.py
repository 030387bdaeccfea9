"""Panels this domain adds to other domains' pages (see ink/panels.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import get_locale

from ink.events.models import EventSeries, Occurrence, OccurrenceStatus, SeriesStatus
from ink.extensions import db
from ink.organisations.access import is_coordinator
from ink.organisations.models import Organisation, Topic
from ink.reminders.forms import SubscribeForm
from ink.reminders.models import MessageStatus, OutboxMessage
from ink.reminders.heartbeat import STALE_AFTER, heartbeat_status
from ink.reminders.planning import PLAN_AHEAD, subscriptions_for


def _form(id_prefix: str) -> SubscribeForm:
    """An empty subscribe form whose element ids carry ``id_prefix``: a page may hold other forms
    with an ``email`` field, or two of these panels. Field names stay as the subscribe views expect."""
    form = SubscribeForm(formdata=None)
    form.locale.data = str(get_locale() or "en")
    for form_field in form:
        form_field.id = f"{id_prefix}-{form_field.name}"
        form_field.label.field_id = form_field.id
    return form


def _subscribe_panel(id_prefix: str, action: str) -> dict[str, Any]:
    return {"form": _form(id_prefix), "id_prefix": id_prefix, "action": action, "with_offset": True}


def _series_prefix(series: EventSeries) -> str:
    return f"reminders-series-{series.id}"


def event_panel(user: Any, series: EventSeries, now: datetime) -> dict[str, Any] | None:
    if not series.is_published:
        return None
    return _subscribe_panel(_series_prefix(series), url_for("reminders.subscribe_series", series_id=series.id))


def next_date_action(user: Any, occ: Occurrence, now: datetime) -> dict[str, Any] | None:
    """"Remind me" beside the next date at the top of the event page: a link down to the subscribe
    form of the same page (event_panel, shown under the same condition)."""
    if occ is None or not occ.series.is_published:
        return None
    return {"form_anchor": f"{_series_prefix(occ.series)}-heading"}


def organisation_panel(user: Any, organisation: Organisation, now: datetime) -> dict[str, Any] | None:
    if not organisation.is_public:
        return None
    return _subscribe_panel(f"reminders-organisation-{organisation.id}",
                            url_for("reminders.subscribe_organisation", slug=organisation.slug))


def topic_panel(user: Any, topic: Topic, now: datetime) -> dict[str, Any] | None:
    return _subscribe_panel(f"reminders-topic-{topic.id}", url_for("reminders.subscribe_topic", slug=topic.slug))


def dashboard_panel(user: Any, obj: Any, now: datetime) -> dict[str, Any] | None:
    """For coordinators: when the scheduler last ran (warning when stale) and failed messages."""
    if not is_coordinator(user):
        return None
    failed = db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.status == MessageStatus.FAILED)
    ) or 0
    return {"heartbeat": heartbeat_status(now), "stale_minutes": int(STALE_AFTER.total_seconds() // 60),
            "failed": failed}


def _told(count: int) -> dict[str, Any]:
    return {"told": count}


def occurrence_cancel_panel(user: Any, occ: Occurrence, now: datetime) -> dict[str, Any] | None:
    """How many subscribers a cancel notice would reach (as listeners.on_cancelled sends them)."""
    if occ.series.status not in (SeriesStatus.PUBLISHED, SeriesStatus.CANCELLED) or occ.start_at <= now:
        return _told(0)
    return _told(len(subscriptions_for(occ)))


def series_cancel_panel(user: Any, series: EventSeries, now: datetime) -> dict[str, Any] | None:
    """Subscribers told when a whole series is cancelled: those of its dates in the coming days."""
    if series.status != SeriesStatus.PUBLISHED:
        return _told(0)
    soon = [occ for occ in series.occurrences
            if now < occ.start_at <= now + PLAN_AHEAD and occ.status != OccurrenceStatus.CANCELLED]
    # Every date of one series has the same followers.
    return _told(len(subscriptions_for(soon[0])) if soon else 0)
