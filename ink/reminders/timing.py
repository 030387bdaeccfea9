"""When a subscriber's reminder goes out: the one home of a reminder's send time.

Planning (outbox.plan_reminders), a moved occurrence (outbox.follow_move) and a changed reminder
offset (service.update_preferences) all go through ``reminder_send_at``; ``replan_reminders`` moves
the unsent reminders of some subscriptions to their current offset.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ink.events.models import Occurrence
from ink.extensions import db
from ink.reminders.models import MessageKind, MessageStatus, OutboxMessage, Subscription


def reminder_send_at(occurrence_start_at: datetime, offset_minutes: int) -> datetime:
    """The instant a reminder ``offset_minutes`` before an occurrence starting at ``occurrence_start_at`` is due."""
    return occurrence_start_at - timedelta(minutes=offset_minutes)


def replan_reminders(subscription_ids: list[int]) -> int:
    """Unsent reminders of these subscriptions move to the subscription's current offset. Returns how many."""
    if not subscription_ids:
        return 0
    moved = 0
    for row, start_at, offset in db.session.execute(
        sa.select(OutboxMessage, Occurrence.start_at, Subscription.offset_minutes)
        .join(Occurrence, Occurrence.id == OutboxMessage.occurrence_id)
        .join(Subscription, Subscription.id == OutboxMessage.subscription_id)
        .where(OutboxMessage.kind == MessageKind.REMINDER.value,
               OutboxMessage.subscription_id.in_(subscription_ids),
               OutboxMessage.status.in_([MessageStatus.PENDING, MessageStatus.SKIPPED]))
    ).tuples():
        row.due_at = row.next_attempt_at = reminder_send_at(start_at, offset)
        row.payload = dict(row.payload or {}, offset=offset)
        moved += 1
    return moved
