"""The audit log's one table: who did what to which object, when, with the fields before and after.

Append-only: the app only ever inserts rows (ink/audit/recorder.py), and the database refuses UPDATE
and DELETE (triggers made by migration 0011_audit). Objects are named by kind and id, never by a
foreign key, so deleting an object keeps its entries ("kept as long as the data").
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ink.extensions import Model, UTCDateTime


class AuditEntry(Model):
    """One change of one object. ``changes`` is {field: {"before": x, "after": y}} (a sensitive field:
    {"redacted": true}); an actor_id of None means the system (CLI, scheduler)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        sa.Index("ix_audit_entry_object", "object_kind", "object_id"),
        sa.Index("ix_audit_entry_organisation_id", "organisation_id", "id"),
        sa.Index("ix_audit_entry_actor_id", "actor_id", "id"),
        sa.Index("ix_audit_entry_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The signed-in user (no foreign key: entries outlive accounts), or None for the system.
    actor_id: Mapped[int | None] = mapped_column()
    # The actor's name when the entry was written, so the log still reads after an account is gone.
    actor_name: Mapped[str] = mapped_column(sa.String(254), default="")
    # create, edit, delete, or a named action (publish, cancel, move, approve, add-member, ...).
    action: Mapped[str] = mapped_column(sa.String(40))
    # The object's table name (event_series, occurrence, membership, ...) and its id.
    object_kind: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[str] = mapped_column(sa.String(64))
    # The object's title or name when the entry was written.
    object_label: Mapped[str] = mapped_column(sa.String(300), default="")
    # The organisation the object belongs to, when it has one (for the organisation filter).
    organisation_id: Mapped[int | None] = mapped_column()
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.object_kind}:{self.object_id}>"
