"""What attendance adds to the pages of lower domains (see ink/panels.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import segno
from flask import url_for
from flask_babel import gettext as _

import sqlalchemy as sa

from ink.attendance import service
from ink.attendance.reports import MissingGroup, group_missing
from ink.events.models import EventSeries, Occurrence
from ink.extensions import db
from ink.organisations.access import editor_organisation_ids, is_coordinator
from ink.organisations.models import Organisation


def qr_svg(url: str) -> str:
    """The link as an inline SVG QR code (no external request, no inline style)."""
    return str(segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff",
                                                     title=_("QR code of the counting link")))


def missing_groups(user: Any, now: datetime, *, limit: int = 50) -> list[MissingGroup]:
    """The most recent past occurrences without a count, per series, newest first: everything for
    coordinators, their organisations' (including co-organised) for editors."""
    if is_coordinator(user):
        occurrences = service.occurrences_missing_count(now=now, limit=limit, newest_first=True)
    else:
        ids = editor_organisation_ids(user)
        if not ids:
            return []
        occurrences = service.occurrences_missing_count(now=now, organisation_ids=ids, limit=limit, newest_first=True)
    return group_missing(occurrences)


def editor_organisations(user: Any) -> list[Organisation]:
    ids = editor_organisation_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def dashboard_panel(user: Any, _obj: Any, now: datetime) -> dict[str, Any] | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return {
        "groups": missing_groups(user, now),
        "is_coordinator": is_coordinator(user),
        "organisations": editor_organisations(user),
    }


def occurrence_panel(user: Any, occurrence: Occurrence, now: datetime) -> dict[str, Any] | None:
    if occurrence is None or not service.can_count(user, occurrence.series):
        return None
    live = [link for link in service.door_links(occurrence.id) if link.is_usable_later(now)]
    return {
        "occ": occurrence,
        "record": service.get_record(occurrence.id),
        "door": service.door_state(occurrence.id),
        "live_links": [(link, url, qr_svg(url)) for link in live for url in [service.door_link_url(link)]],
        "page_url": url_for("attendance.occurrence", occurrence_id=occurrence.id),
        "is_countable": not occurrence.is_cancelled and occurrence.start_at <= now,
        "can_link": not occurrence.is_cancelled and service.door_link_window(occurrence)[1] > now,
    }


def series_panel(user: Any, series: EventSeries, now: datetime) -> dict[str, Any] | None:
    if series is None or not service.can_count(user, series):
        return None
    return {"series": series, "categories": service.series_categories(series.id)}
