"""Reading the audit log: the filtered, newest-first page of entries (keyset pagination on the id)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from ink.audit.models import AuditEntry
from ink.core.time import local_midnight_utc
from ink.extensions import db

PAGE_SIZE = 50
SYSTEM = "system"  # the person filter's value for changes nobody signed in made


@dataclass(frozen=True)
class AuditFilter:
    """What the page asks for; None means any."""

    organisation_id: int | None = None
    actor: int | str | None = None  # a user id, or SYSTEM
    object_kind: str | None = None
    object_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    before_id: int | None = None


def audit_query(audit_filter: AuditFilter, *, tz: str) -> sa.Select[tuple[AuditEntry]]:
    """The entries matching the filter, newest first (dates are local days in ``tz``)."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc())
    if audit_filter.organisation_id is not None:
        query = query.where(AuditEntry.organisation_id == audit_filter.organisation_id)
    if audit_filter.actor == SYSTEM:
        query = query.where(AuditEntry.actor_id.is_(None))
    elif audit_filter.actor is not None:
        query = query.where(AuditEntry.actor_id == audit_filter.actor)
    if audit_filter.object_kind:
        query = query.where(AuditEntry.object_kind == audit_filter.object_kind)
    if audit_filter.object_id:
        query = query.where(AuditEntry.object_id == audit_filter.object_id)
    if audit_filter.date_from:
        query = query.where(AuditEntry.created_at >= local_midnight_utc(audit_filter.date_from, tz))
    if audit_filter.date_to:
        query = query.where(AuditEntry.created_at < local_midnight_utc(date.fromordinal(audit_filter.date_to.toordinal() + 1), tz))
    if audit_filter.before_id:
        query = query.where(AuditEntry.id < audit_filter.before_id)
    return query


def audit_page(audit_filter: AuditFilter, *, tz: str, size: int = PAGE_SIZE) -> tuple[list[AuditEntry], int | None]:
    """One page of entries and the id to page on from (None on the last page)."""
    rows = list(db.session.scalars(audit_query(audit_filter, tz=tz).limit(size + 1)))
    return rows[:size], (rows[size - 1].id if len(rows) > size else None)


def logged_kinds() -> list[str]:
    """The object kinds the log holds entries for."""
    return list(db.session.scalars(sa.select(AuditEntry.object_kind).distinct().order_by(AuditEntry.object_kind)))


def logged_actors() -> list[tuple[int, str]]:
    """(id, latest name) of everyone who has entries in the log."""
    latest = (sa.select(AuditEntry.actor_id, sa.func.max(AuditEntry.id).label("last"))
              .where(AuditEntry.actor_id.is_not(None)).group_by(AuditEntry.actor_id).subquery())
    rows = db.session.execute(
        sa.select(AuditEntry.actor_id, AuditEntry.actor_name).join(latest, AuditEntry.id == latest.c.last)
    ).tuples().all()
    return sorted(((int(actor_id or 0), name) for actor_id, name in rows), key=lambda row: row[1].casefold())

