"""Subscribers, subscriptions, the outbox and the scheduler's heartbeat."""
from __future__ import annotations

import enum
import hashlib
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ink.extensions import Model, UTCDateTime


def _enum(cls: type[enum.Enum]) -> sa.Enum:
    return sa.Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


def normalise_address(email: str) -> str:
    """Addresses are compared trimmed and lower-cased (as accounts are)."""
    return email.strip().lower()


def address_hash(email: str) -> str:
    """A stable hash of a normalised address: what we keep of an erased subscriber."""
    return hashlib.sha256(normalise_address(email).encode()).hexdigest()


class TargetKind(enum.StrEnum):
    SERIES = "series"
    ORGANISATION = "organisation"
    TOPIC = "topic"
    DIGEST = "digest"


class MessageKind(enum.StrEnum):
    CONFIRM = "confirm"
    MANAGE_LINK = "manage_link"
    REMINDER = "reminder"
    CHANGE_NOTICE = "change_notice"
    DIGEST = "digest"
    ORGANISER_REMINDER = "organiser_reminder"
    NUDGE = "nudge"
    NUDGE_AGAIN = "nudge_again"
    COORDINATOR_SUMMARY = "coord_summary"
    # A transactional email another domain registered in ink/notices.py (invitation, password reset, ...).
    NOTICE = "notice"


class MessageStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class Subscriber(Model):
    """A resident's email address. Confirmation happens per subscription (double opt-in)."""

    __tablename__ = "subscriber"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always normalised (normalise_address); unique, so one row per address.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    locale: Mapped[str] = mapped_column(sa.String(10), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # First confirmed subscription (time and the consent text's version then shown).
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_version: Mapped[str | None] = mapped_column(sa.String(32))

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", order_by="Subscription.id"
    )

    @property
    def email_hash(self) -> str:
        return address_hash(self.email)


class Subscription(Model):
    __tablename__ = "subscription"
    # Digest subscriptions use target_id 0, so the unique constraint holds for them too.
    __table_args__ = (sa.UniqueConstraint("subscriber_id", "target_kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(sa.ForeignKey("subscriber.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[TargetKind] = mapped_column(_enum(TargetKind))
    target_id: Mapped[int] = mapped_column(default=0)
    # How long before an occurrence its reminder goes out.
    offset_minutes: Mapped[int] = mapped_column(default=24 * 60)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_version: Mapped[str | None] = mapped_column(sa.String(32))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    subscriber: Mapped[Subscriber] = relationship(back_populates="subscriptions")

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class ErasedAddress(Model):
    """What remains of an erased subscriber: a hash, so the address is never written to again."""

    __tablename__ = "erased_address"

    address_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffMailOptOut(Model):
    """An editor or coordinator who unsubscribed from one kind of staff message."""

    __tablename__ = "staff_mail_opt_out"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxMessage(Model):
    """One message to one recipient, written (and committed) before it is sent.

    (kind, ref, recipient) is unique: ref names the occurrence ("occ:12"), the change
    ("occ:12:s5") or the week ("2026-W23"), so planning twice never makes a second message.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.UniqueConstraint("kind", "ref", "recipient"),
        sa.Index("ix_outbox_message_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    ref: Mapped[str] = mapped_column(sa.String(80))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str] = mapped_column(sa.String(10), default="en")
    subscription_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("subscription.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    occurrence_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("occurrence.id", ondelete="SET NULL"), index=True
    )
    # Details captured when the message was planned (a change's previous time, a snapshot).
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[MessageStatus] = mapped_column(_enum(MessageStatus), default=MessageStatus.PENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # After this instant the message is no longer meaningful (the occurrence has started).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    claimed_by: Mapped[str | None] = mapped_column(sa.String(80))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.ref} {self.status}>"


class SchedulerHeartbeat(Model):
    """Written by the scheduler on every tick; the dashboard warns when it goes stale."""

    __tablename__ = "scheduler_heartbeat"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    last_tick_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    host: Mapped[str] = mapped_column(sa.String(120), default="")
    pid: Mapped[int] = mapped_column(default=0)
    last_summary: Mapped[str] = mapped_column(sa.String(500), default="")
