"""Reactions to changes in the events domain: what the signal listeners (listeners.py) do to the outbox.

They run inside the caller's transaction (the request that cancelled or moved an occurrence): the
outbox rows they add commit, or roll back, with the change itself.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ink.events.models import Occurrence, SeriesStatus
from ink.extensions import db
from ink.reminders.models import MessageKind, MessageStatus, OutboxMessage
from ink.reminders.outbox import enqueue, occ_ref, outbox_row
from ink.reminders.planning import organiser_reminder_due, reminder_send_at, subscriptions_for


def snapshot(occ: Occurrence) -> dict[str, Any]:
    venue = occ.venue
    return {
        "series_id": occ.series_id, "title": occ.series.title, "start_at": occ.start_at.isoformat(),
        "end_at": occ.end_at.isoformat(), "venue": venue.name if venue else "",
        "address": venue.address if venue else "", "note": occ.note,
        "reason": occ.cancel_reason or (occ.series.cancel_reason if occ.series.status == SeriesStatus.CANCELLED else ""),
    }


def enqueue_change_notices(occ: Occurrence, change: str, *, now: datetime,
                           previous_start_at: datetime | None = None, ref: str | None = None) -> int:
    """Tell an occurrence's subscribers about a change, soon. A newer change supersedes a pending notice."""
    series = occ.series
    if not series.is_public:
        return 0
    starts = [occ.start_at] + ([previous_start_at] if previous_start_at else [])
    if max(starts) <= now:
        return 0  # it is over: news about it helps nobody
    recipients = subscriptions_for(occ)
    if not recipients:
        return 0
    pending = {
        row.recipient: row for row in db.session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.kind == MessageKind.CHANGE_NOTICE.value, OutboxMessage.occurrence_id == occ.id,
                OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.recipient.in_(list(recipients)),
            )
        )
    }
    payload = snapshot(occ) | {"change": change}
    if previous_start_at is not None:
        payload["previous_start_at"] = previous_start_at.isoformat()
    rows = []
    for email, subscription in recipients.items():
        earlier = pending.get(email)
        if earlier is not None:
            earlier.status = MessageStatus.SKIPPED
            earlier.last_error = "superseded by a later change"
            if change == "restored" and earlier.payload.get("change") == "cancelled":
                continue  # cancelled then restored before anyone heard: no news
        rows.append(outbox_row(
            MessageKind.CHANGE_NOTICE, ref or f"{occ_ref(occ.id)}:s{series.sequence}:{change}", email,
            locale=subscription.subscriber.locale, due_at=now, expires_at=max(starts), now=now,
            subscription_id=subscription.id, occurrence_id=occ.id, payload=payload,
        ))
    db.session.flush()
    return enqueue(rows)


def follow_move(occ: Occurrence) -> None:
    """Pending reminders keep their offset before the occurrence's new start."""
    for row in db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.kind.in_([MessageKind.REMINDER.value, MessageKind.ORGANISER_REMINDER.value]),
            OutboxMessage.occurrence_id == occ.id, OutboxMessage.status == MessageStatus.PENDING,
        )
    ):
        if row.kind == MessageKind.REMINDER.value:
            row.due_at = reminder_send_at(occ.start_at, int(row.payload.get("offset", 24 * 60)))
        else:
            row.due_at = organiser_reminder_due(occ)
        row.next_attempt_at = row.due_at
        row.expires_at = occ.start_at


def reopen_reminders(occ: Occurrence, *, now: datetime) -> None:
    """A restored occurrence gets back the reminders skipped while it was cancelled."""
    db.session.execute(
        sa.update(OutboxMessage).where(
            OutboxMessage.kind.in_([MessageKind.REMINDER.value, MessageKind.ORGANISER_REMINDER.value]),
            OutboxMessage.occurrence_id == occ.id, OutboxMessage.status == MessageStatus.SKIPPED,
            OutboxMessage.expires_at > now,
        ).values(status=MessageStatus.PENDING, last_error="", next_attempt_at=now)
    )


def drop_reminders(occurrence_ids: list[int], reason: str) -> None:
    if not occurrence_ids:
        return
    db.session.execute(
        sa.update(OutboxMessage).where(
            OutboxMessage.occurrence_id.in_(occurrence_ids), OutboxMessage.status == MessageStatus.PENDING,
            OutboxMessage.kind != MessageKind.CHANGE_NOTICE.value,
        ).values(status=MessageStatus.SKIPPED, last_error=reason)
    )
