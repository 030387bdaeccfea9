"""Panels this domain adds to other domains' pages (see ink/panels.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import get_locale

from ink.events.models import EventSeries
from ink.extensions import db
from ink.organisations.access import is_coordinator
from ink.organisations.models import Organisation
from ink.reminders.forms import SubscribeForm
from ink.reminders.models import MessageStatus, OutboxMessage


def _form() -> SubscribeForm:
    form = SubscribeForm(formdata=None)
    form.locale.data = str(get_locale() or "en")
    return form


def event_panel(user: Any, series: EventSeries, now: datetime) -> dict[str, Any] | None:
    if not series.is_published:
        return None
    return {"form": _form(), "action": url_for("reminders.subscribe_series", series_id=series.id), "with_offset": True}


def organisation_panel(user: Any, organisation: Organisation, now: datetime) -> dict[str, Any] | None:
    if not organisation.is_public:
        return None
    return {"form": _form(), "action": url_for("reminders.subscribe_organisation", slug=organisation.slug),
            "with_offset": True}


def dashboard_panel(user: Any, obj: Any, now: datetime) -> dict[str, Any] | None:
    """For coordinators: when the scheduler last ran (warning when stale) and failed messages."""
    if not is_coordinator(user):
        return None
    from ink.reminders.scheduler import STALE_AFTER, heartbeat_status

    failed = db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.status == MessageStatus.FAILED)
    ) or 0
    return {"heartbeat": heartbeat_status(now), "stale_minutes": int(STALE_AFTER.total_seconds() // 60),
            "failed": failed}
