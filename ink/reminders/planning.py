"""Planning: which messages should exist by now, written to the outbox (every ``plan_*``).

The one home of a reminder's send time is ``reminder_send_at``: planning, a moved occurrence
(reactions.follow_move) and a changed reminder offset (service.update_preferences, through
``replan_reminders``) all go through it. These are job functions: ``plan_due_messages`` commits.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ink.auth.models import User
from ink.core.time import local_to_utc, utc_to_local
from ink.events.models import Occurrence
from ink.extensions import db
from ink.jobs import source
from ink.organisations.models import Membership
from ink.reminders.models import (
    MessageKind,
    MessageStatus,
    OutboxMessage,
    StaffMailOptOut,
    Subscriber,
    Subscription,
    TargetKind,
)
from ink.reminders.outbox import enqueue, existing_keys, occ_ref, outbox_row, week_ref

# How far ahead reminders are planned: beyond the longest reminder offset.
PLAN_AHEAD = timedelta(days=8)
NUDGE_AFTER = timedelta(hours=2)
NUDGE_AGAIN_AFTER = timedelta(days=3)
NUDGE_LOOKBACK = timedelta(days=14)
WEEKLY_WINDOW = timedelta(days=2)
# The attendance domain offers this source (ink/jobs.py); without it no count is ever missing.
MISSING_COUNTS_SOURCE = "missing-counts"
# Which subscription wins when one address follows an occurrence several ways.
_PREFERENCE = {TargetKind.SERIES: 0, TargetKind.ORGANISATION: 1, TargetKind.TOPIC: 2}


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


def staff_opted_out(user_id: int, kind: str) -> bool:
    """Whether this user stopped this kind of staff email."""
    return db.session.get(StaffMailOptOut, (user_id, kind)) is not None


def missing_count_occurrences(now: datetime, **kwargs: Any) -> list[Occurrence] | None:
    """Occurrences lacking an attendance count, or None when no domain offers them (attendance not installed)."""
    occurrences_missing_count = source(current_app, MISSING_COUNTS_SOURCE)
    if occurrences_missing_count is None:
        return None
    return list(occurrences_missing_count(now=now, **kwargs))


# --- who follows an occurrence -------------------------------------------------------------------

def subscriptions_for(occurrence: Occurrence) -> dict[str, Subscription]:
    """Active subscriptions that cover an occurrence, one per address (series beats organisation beats topic)."""
    series = occurrence.series
    organisation_ids = [organisation.id for organisation in series.organisations]
    topic_ids = [topic.id for topic in series.topics]
    covers = [sa.and_(Subscription.target_kind == TargetKind.SERIES, Subscription.target_id == series.id),
              sa.and_(Subscription.target_kind == TargetKind.ORGANISATION, Subscription.target_id.in_(organisation_ids))]
    if topic_ids:
        covers.append(sa.and_(Subscription.target_kind == TargetKind.TOPIC, Subscription.target_id.in_(topic_ids)))
    chosen: dict[str, Subscription] = {}
    for subscription in db.session.scalars(
        sa.select(Subscription).join(Subscription.subscriber)
        .where(Subscription.confirmed_at.is_not(None), Subscription.unsubscribed_at.is_(None), sa.or_(*covers))
        .options(sa.orm.contains_eager(Subscription.subscriber))
    ):
        email = subscription.subscriber.email
        current = chosen.get(email)
        if current is None or _PREFERENCE[subscription.target_kind] < _PREFERENCE[current.target_kind]:
            chosen[email] = subscription
    return chosen


def editors_of(organisation_id: int) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, User.is_active_account.is_(True))
        .order_by(User.id)
    ))


def _live_occurrences(start: datetime, end: datetime) -> list[Occurrence]:
    return list(db.session.scalars(
        sa.select(Occurrence).join(Occurrence.series)
        .where(Occurrence.start_at > start, Occurrence.start_at <= end,
               Occurrence.live_clause())
        .options(sa.orm.contains_eager(Occurrence.series))
        .order_by(Occurrence.start_at)
    ))


# --- planning ------------------------------------------------------------------------------------

def plan_due_messages(now: datetime) -> int:
    """Write every message that should exist by ``now`` to the outbox and commit. Idempotent."""
    planned = plan_reminders(now) + plan_organiser_reminders(now) + plan_weekly(now) + plan_nudges(now)
    db.session.commit()
    return planned


def plan_reminders(now: datetime) -> int:
    rows = []
    occurrences = _live_occurrences(now, now + PLAN_AHEAD)
    existing = existing_keys(MessageKind.REMINDER, [occ_ref(occ.id) for occ in occurrences])
    for occ in occurrences:
        for email, subscription in subscriptions_for(occ).items():
            if (occ_ref(occ.id), email) in existing:
                continue
            offset = subscription.offset_minutes
            rows.append(outbox_row(
                MessageKind.REMINDER, occ_ref(occ.id), email, locale=subscription.subscriber.locale,
                due_at=reminder_send_at(occ.start_at, offset), expires_at=occ.start_at, now=now,
                subscription_id=subscription.id, occurrence_id=occ.id, payload={"offset": offset},
            ))
    return enqueue(rows)


def organiser_reminder_due(occurrence: Occurrence) -> datetime:
    """10:00 (network time) the day before the occurrence."""
    tz = current_app.config["TIMEZONE"]
    day_before = utc_to_local(occurrence.start_at, tz).date() - timedelta(days=1)
    return local_to_utc(datetime.combine(day_before, datetime.min.time()).replace(hour=10), tz)


def plan_organiser_reminders(now: datetime) -> int:

    rows = []
    occurrences = _live_occurrences(now, now + timedelta(days=2))
    existing = existing_keys(MessageKind.ORGANISER_REMINDER, [occ_ref(occ.id) for occ in occurrences])
    for occ in occurrences:
        for user in editors_of(occ.series.organisation_id):
            if (occ_ref(occ.id), user.email) in existing or staff_opted_out(user.id, MessageKind.ORGANISER_REMINDER.value):
                continue
            rows.append(outbox_row(
                MessageKind.ORGANISER_REMINDER, occ_ref(occ.id), user.email, locale=user.locale or "en",
                due_at=organiser_reminder_due(occ), expires_at=occ.start_at, now=now, user_id=user.id,
                occurrence_id=occ.id,
            ))
    return enqueue(rows)


def weekly_moment(now: datetime) -> datetime:
    """This week's digest time: Monday at DIGEST_HOUR, network time (UTC instant)."""
    tz = current_app.config["TIMEZONE"]
    local_now = utc_to_local(now, tz)
    monday = local_now.date() - timedelta(days=local_now.weekday())
    hour = int(current_app.config["DIGEST_HOUR"])
    return local_to_utc(datetime.combine(monday, datetime.min.time()).replace(hour=hour), tz)


def plan_weekly(now: datetime) -> int:
    """Digests and coordinators' summaries, from Monday morning until two days later (after downtime too)."""
    moment = weekly_moment(now)
    if not moment <= now < moment + WEEKLY_WINDOW:
        return 0
    ref = week_ref(utc_to_local(moment, current_app.config["TIMEZONE"]))
    expires = moment + WEEKLY_WINDOW
    already = sa.select(OutboxMessage.id).where(
        OutboxMessage.kind == MessageKind.DIGEST.value, OutboxMessage.ref == ref,
        OutboxMessage.recipient == Subscriber.email,
    )
    digest_rows = [
        outbox_row(MessageKind.DIGEST, ref, email, locale=locale, due_at=now, expires_at=expires, now=now,
             subscription_id=subscription_id)
        for subscription_id, email, locale in db.session.execute(
            sa.select(Subscription.id, Subscriber.email, Subscriber.locale).join(Subscription.subscriber)
            .where(Subscription.target_kind == TargetKind.DIGEST, Subscription.confirmed_at.is_not(None),
                   Subscription.unsubscribed_at.is_(None), ~sa.exists(already))
        ).tuples()
    ]
    existing = existing_keys(MessageKind.COORDINATOR_SUMMARY, [ref])
    summary_rows = [
        outbox_row(MessageKind.COORDINATOR_SUMMARY, ref, user.email, locale=user.locale or "en", due_at=now,
             expires_at=expires, now=now, user_id=user.id)
        for user in db.session.scalars(
            sa.select(User).where(User.is_coordinator.is_(True), User.is_active_account.is_(True)))
        if (ref, user.email) not in existing and not staff_opted_out(user.id, MessageKind.COORDINATOR_SUMMARY.value)
    ]
    return enqueue(digest_rows) + enqueue(summary_rows)


def plan_nudges(now: datetime) -> int:
    """Editors hear once when a count is missing, once more a few days later, then never."""
    missing = missing_count_occurrences(now, ended_before=now - NUDGE_AFTER)
    if not missing:
        return 0
    recent = [occ for occ in missing if occ.end_at >= now - NUDGE_LOOKBACK]
    refs = [occ_ref(occ.id) for occ in recent]
    first_sent = {
        (ref, recipient) for ref, recipient, status in db.session.execute(
            sa.select(OutboxMessage.ref, OutboxMessage.recipient, OutboxMessage.status)
            .where(OutboxMessage.kind == MessageKind.NUDGE.value, OutboxMessage.ref.in_(refs))
        ).tuples() if status == MessageStatus.SENT
    }
    existing_first = existing_keys(MessageKind.NUDGE, refs)
    existing_again = existing_keys(MessageKind.NUDGE_AGAIN, refs)
    rows = []
    for occ in recent:
        ref = occ_ref(occ.id)
        for user in editors_of(occ.series.organisation_id):
            if staff_opted_out(user.id, MessageKind.NUDGE.value):
                continue
            key = (ref, user.email)
            if key not in existing_first:
                rows.append(outbox_row(MessageKind.NUDGE, ref, user.email, locale=user.locale or "en", due_at=now,
                                 now=now, user_id=user.id, occurrence_id=occ.id))
            elif key in first_sent and key not in existing_again and occ.end_at <= now - NUDGE_AGAIN_AFTER:
                rows.append(outbox_row(MessageKind.NUDGE_AGAIN, ref, user.email, locale=user.locale or "en", due_at=now,
                                 now=now, user_id=user.id, occurrence_id=occ.id))
    return enqueue(rows)
