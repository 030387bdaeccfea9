"""The sources domain's email (ink/notices.py): a calendar source keeps failing (sent once per failure run)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import gettext as _

from ink.core.errors import N_
from ink.extensions import db
from ink.notices import register_notice
from ink.sources.models import CalendarSource
from ink.sources.sync import FAILURE_NOTICE
from ink.urls import absolute_url


def register_notices(app: Flask) -> None:
    """Register the failing-source email."""
    register_notice(app, FAILURE_NOTICE, template="notice", context=failing_context,
                    subject=N_("The calendar %(name)s cannot be synced"))


def failing_context(payload: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
    """The email's paragraphs and link, or None once the source works again or is gone."""
    source = db.session.get(CalendarSource, payload.get("source_id"))
    if source is None or not source.is_failing:
        return None
    reason = _(source.status_message, **source.status_params) if source.status_message else ""
    return {
        "name": source.name,
        "paragraphs": [
            _("INK Events has not been able to read the calendar %(name)s of %(organisation)s %(count)s times "
              "in a row. Its events stay as they were until it can be read again.",
              name=source.name, organisation=source.organisation.name, count=source.consecutive_failures),
            _("The last error: %(reason)s", reason=reason),
            _("Check that the calendar is still published at the same address, or change the address."),
        ],
        "action_label": _("Open the calendar source"),
        "action_url": absolute_url("sources.show", source_id=source.id),
    }
