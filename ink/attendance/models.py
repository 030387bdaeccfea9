"""Attendance: counts per occurrence (with history), breakdown categories, door-counter links and taps.

No personal data: only numbers, the category names a series defines, and which editor changed a count.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ink.auth.models import User
from ink.events.models import EventSeries, Occurrence
from ink.extensions import Model, UTCDateTime

MAX_COUNT = 100_000


class CountMethod(enum.StrEnum):
    DOOR_COUNTER = "door_counter"
    HEAD_COUNT = "head_count"
    SIGN_IN_SHEET = "sign_in_sheet"
    ESTIMATE = "estimate"


def _method_enum() -> sa.Enum:
    return sa.Enum(CountMethod, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class CategoryKind(enum.StrEnum):
    """SPLIT categories are parts of the total (adults / children) and add up to it; TALLY
    categories are counted beside it (first visit, needed interpretation) and are never added."""

    SPLIT = "split"
    TALLY = "tally"


class AttendanceCategory(Model):
    """A category a series counts by: a part of the total (children, adults) or a tally beside it (first visit)."""

    __tablename__ = "attendance_category"
    __table_args__ = (sa.UniqueConstraint("series_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("event_series.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[CategoryKind] = mapped_column(
        sa.Enum(CategoryKind, native_enum=False, length=8, values_callable=lambda e: [m.value for m in e]),
        default=CategoryKind.SPLIT, server_default=CategoryKind.SPLIT.value)

    series: Mapped[EventSeries] = relationship()

    @property
    def is_tally(self) -> bool:
        return self.kind == CategoryKind.TALLY


class AttendanceRecord(Model):
    """The current count of one occurrence; every change also appends an AttendanceRevision."""

    __tablename__ = "attendance_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("occurrence.id", ondelete="CASCADE"), unique=True
    )
    total: Mapped[int] = mapped_column()
    # {category name: count} of the split categories, in the series' order, adding up to the total;
    # empty when no breakdown was given.
    breakdown: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # {category name: count} of the tally categories that were counted: beside the total, never added.
    tallies: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    method: Mapped[CountMethod] = mapped_column(_method_enum())
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    # Set when the total exceeded the venue's capacity and the editor confirmed it anyway.
    is_over_capacity: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Optimistic locking: every UPDATE checks it; each change bumps it (ink.saving), so a stale save is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    occurrence: Mapped[Occurrence] = relationship()
    updated_by: Mapped[User | None] = relationship()
    revisions: Mapped[list[AttendanceRevision]] = relationship(
        back_populates="record", order_by="AttendanceRevision.id", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # see ink.saving


class AttendanceRevision(Model):
    """Append-only history: what a record was set to, by whom, when."""

    __tablename__ = "attendance_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("attendance_record.id", ondelete="CASCADE"), index=True
    )
    total: Mapped[int] = mapped_column()
    breakdown: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    tallies: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    method: Mapped[CountMethod] = mapped_column(_method_enum())
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    record: Mapped[AttendanceRecord] = relationship(back_populates="revisions")
    changed_by: Mapped[User | None] = relationship()


class DoorLink(Model):
    """A counting link for volunteers. The token signs (id, nonce); revoking or expiry ends it."""

    __tablename__ = "door_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(sa.ForeignKey("occurrence.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    occurrence: Mapped[Occurrence] = relationship()
    created_by: Mapped[User | None] = relationship()

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.valid_from <= now < self.expires_at

    def is_usable_later(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class DoorCount(Model):
    """The live door count of an occurrence per category (0 = the direct total, when no category splits it).

    Changed only by a single atomic ``UPDATE ... SET n = n + :d WHERE n + :d >= 0``, never read-modify-write.
    """

    __tablename__ = "door_count"
    __table_args__ = (sa.CheckConstraint("n >= 0", name="n_not_negative"),)

    occurrence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("occurrence.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(default=0)


class DoorTap(Model):
    """One tap, kept so a retried tap (same client tap_id) counts once."""

    __tablename__ = "door_tap"

    id: Mapped[int] = mapped_column(primary_key=True)
    tap_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    door_link_id: Mapped[int] = mapped_column(sa.ForeignKey("door_link.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(default=0)
    delta: Mapped[int] = mapped_column()
    # False when a -1 was refused because the count was already zero.
    is_applied: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
