"""The outbox: plan messages as rows with unique keys (committed), then send the due ones.

Exactly once: a row is planned at most once per (kind, ref, recipient) (unique constraint, insert that
ignores conflicts); a dispatcher claims one row at a time with an atomic
``UPDATE ... SET status='sending' WHERE id=? AND status='pending'`` and commits the claim before talking
to SMTP; the outcome (sent only once the server accepted it) is committed with the next claim, so each
message costs one commit. Two dispatchers therefore never send the same row. The one window left: a
process killed after the SMTP server accepted a message but before the outcome was committed leaves
the row in "sending"; after SENDING_LEASE it is sent again (at most one duplicate per crash, and the
Message-ID is the same, so many mail systems drop it). On PostgreSQL these commits do not wait for the
WAL flush (``synchronous_commit = off`` for those transactions only): a crash of the database server
itself (not of the dispatcher) may forget the last fraction of a second of outcomes, so those few
messages go out a second time; none is ever lost.

A dropped connection (the server closes it, answers 421, a network error) releases the message being
sent (pending again, due at once, the attempt not counted); the dispatcher reconnects and goes on
within the run's time budget. A message that breaks the connection a second time in one run waits for
its backoff; a server that cannot be reached again (MAIL_RECONNECT_DELAYS) ends the run, the rest pending.

These are job functions (scheduler, CLI): unlike services, they commit.
"""
from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from collections import deque
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ink.auth.models import User
from ink.core.time import local_to_utc, utc_to_local
from ink.events.models import EventSeries, Occurrence, SeriesStatus
from ink.extensions import db
from ink.organisations.models import Membership
from ink.reminders.mail import Mailer, PermanentMailError, TemporaryMailError, mailer_from_config
from ink.reminders.models import (
    ErasedAddress,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Subscriber,
    Subscription,
    TargetKind,
    address_hash,
)
from ink.reminders.timing import reminder_send_at

# How far ahead reminders are planned: beyond the longest reminder offset.
PLAN_AHEAD = timedelta(days=8)
SENDING_LEASE = timedelta(minutes=10)
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360, 720)
MAX_ATTEMPTS = 8
NUDGE_AFTER = timedelta(hours=2)
NUDGE_AGAIN_AFTER = timedelta(days=3)
NUDGE_LOOKBACK = timedelta(days=14)
WEEKLY_WINDOW = timedelta(days=2)
# Erased-or-not for the recipients of the batch being dispatched (is_erased_recipient asks it first).
_erased_known: ContextVar[dict[str, bool] | None] = ContextVar("erased_known", default=None)
# Which subscription wins when one address follows an occurrence several ways.
_PREFERENCE = {TargetKind.SERIES: 0, TargetKind.ORGANISATION: 1, TargetKind.TOPIC: 2}


def insert_ignore() -> Any:
    """INSERT INTO outbox_message ... ON CONFLICT DO NOTHING, for SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(OutboxMessage.__table__).on_conflict_do_nothing(index_elements=["kind", "ref", "recipient"])


def _row(kind: MessageKind, ref: str, recipient: str, *, locale: str, due_at: datetime, now: datetime,
         expires_at: datetime | None = None, subscription_id: int | None = None, user_id: int | None = None,
         occurrence_id: int | None = None, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    return dict(
        kind=kind.value, ref=ref, recipient=recipient, locale=locale or "en", subscription_id=subscription_id,
        user_id=user_id, occurrence_id=occurrence_id, payload=payload or {}, status=MessageStatus.PENDING.value,
        due_at=due_at, expires_at=expires_at, attempts=0, next_attempt_at=due_at, last_error="", created_at=now,
    )


def enqueue(rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    result = db.session.connection().execute(insert_ignore(), rows)
    return result.rowcount if result.rowcount >= 0 else len(rows)


def occ_ref(occurrence_id: int) -> str:
    return f"occ:{occurrence_id}"


def week_ref(moment_local: datetime) -> str:
    year, week, _ = moment_local.isocalendar()
    return f"{year}-W{week:02d}"


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


def _existing(kind: MessageKind, refs: list[str]) -> set[tuple[str, str]]:
    if not refs:
        return set()
    return set(db.session.execute(
        sa.select(OutboxMessage.ref, OutboxMessage.recipient)
        .where(OutboxMessage.kind == kind.value, OutboxMessage.ref.in_(refs))
    ).tuples())


# --- planning ------------------------------------------------------------------------------------

def plan_due_messages(now: datetime) -> int:
    """Write every message that should exist by ``now`` to the outbox and commit. Idempotent."""
    planned = plan_reminders(now) + plan_organiser_reminders(now) + plan_weekly(now) + plan_nudges(now)
    db.session.commit()
    return planned


def plan_reminders(now: datetime) -> int:
    rows = []
    occurrences = _live_occurrences(now, now + PLAN_AHEAD)
    existing = _existing(MessageKind.REMINDER, [occ_ref(occ.id) for occ in occurrences])
    for occ in occurrences:
        for email, subscription in subscriptions_for(occ).items():
            if (occ_ref(occ.id), email) in existing:
                continue
            offset = subscription.offset_minutes
            rows.append(_row(
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
    from ink.reminders.service import staff_opted_out

    rows = []
    occurrences = _live_occurrences(now, now + timedelta(days=2))
    existing = _existing(MessageKind.ORGANISER_REMINDER, [occ_ref(occ.id) for occ in occurrences])
    for occ in occurrences:
        for user in editors_of(occ.series.organisation_id):
            if (occ_ref(occ.id), user.email) in existing or staff_opted_out(user.id, MessageKind.ORGANISER_REMINDER.value):
                continue
            rows.append(_row(
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
    hour = int(current_app.config.get("DIGEST_HOUR", 7))
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
        _row(MessageKind.DIGEST, ref, email, locale=locale, due_at=now, expires_at=expires, now=now,
             subscription_id=subscription_id)
        for subscription_id, email, locale in db.session.execute(
            sa.select(Subscription.id, Subscriber.email, Subscriber.locale).join(Subscription.subscriber)
            .where(Subscription.target_kind == TargetKind.DIGEST, Subscription.confirmed_at.is_not(None),
                   Subscription.unsubscribed_at.is_(None), ~sa.exists(already))
        ).tuples()
    ]
    from ink.reminders.service import staff_opted_out

    existing = _existing(MessageKind.COORDINATOR_SUMMARY, [ref])
    summary_rows = [
        _row(MessageKind.COORDINATOR_SUMMARY, ref, user.email, locale=user.locale or "en", due_at=now,
             expires_at=expires, now=now, user_id=user.id)
        for user in db.session.scalars(
            sa.select(User).where(User.is_coordinator.is_(True), User.is_active_account.is_(True)))
        if (ref, user.email) not in existing and not staff_opted_out(user.id, MessageKind.COORDINATOR_SUMMARY.value)
    ]
    return enqueue(digest_rows) + enqueue(summary_rows)


def missing_count_occurrences(now: datetime, **kwargs: Any) -> list[Occurrence] | None:
    """Occurrences lacking an attendance count, or None when the attendance domain is not installed."""
    try:
        from ink.attendance.service import occurrences_missing_count
    except ImportError:
        return None
    return occurrences_missing_count(now=now, **kwargs)


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
    existing_first = _existing(MessageKind.NUDGE, refs)
    existing_again = _existing(MessageKind.NUDGE_AGAIN, refs)
    from ink.reminders.service import staff_opted_out

    rows = []
    for occ in recent:
        ref = occ_ref(occ.id)
        for user in editors_of(occ.series.organisation_id):
            if staff_opted_out(user.id, MessageKind.NUDGE.value):
                continue
            key = (ref, user.email)
            if key not in existing_first:
                rows.append(_row(MessageKind.NUDGE, ref, user.email, locale=user.locale or "en", due_at=now,
                                 now=now, user_id=user.id, occurrence_id=occ.id))
            elif key in first_sent and key not in existing_again and occ.end_at <= now - NUDGE_AGAIN_AFTER:
                rows.append(_row(MessageKind.NUDGE_AGAIN, ref, user.email, locale=user.locale or "en", due_at=now,
                                 now=now, user_id=user.id, occurrence_id=occ.id))
    return enqueue(rows)


# --- reacting to changes (signal listeners call these; the caller's transaction commits) ----------

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
        rows.append(_row(
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


# --- dispatching ---------------------------------------------------------------------------------

@dataclass
class DispatchResult:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    lost_claims: int = 0
    reconnects: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        text = (f"sent {self.sent}, skipped {self.skipped}, retry later {self.retried}, "
                f"failed {self.failed}")
        return text + (f", reconnected {self.reconnects} times" if self.reconnects else "")


class RelayDown(Exception):
    """The mail server could not be reached again within the bounded reconnect attempts."""


def _worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _fast_commit() -> None:
    """On PostgreSQL, this transaction's commit does not wait for the WAL flush (see the docstring)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL synchronous_commit = off"))


def release_stale_claims(now: datetime) -> int:
    """Rows left in "sending" by a process that died: send them again (see the module docstring)."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.claimed_at < now - SENDING_LEASE)
        .values(status=MessageStatus.PENDING, claimed_by=None, next_attempt_at=now,
                last_error="interrupted while sending; sending again")
    )
    db.session.commit()
    return result.rowcount or 0


def due_ids(now: datetime, limit: int) -> list[int]:
    ids = list(db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.due_at <= now,
               sa.or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
    ))
    db.session.commit()
    return ids


def claim(row_id: int, worker: str, now: datetime) -> bool:
    """Atomically take one pending row; False when another dispatcher took it first.

    The same commit records the outcome of the previous message (``_finish`` leaves it to us), so a
    message costs one commit."""
    _fast_commit()
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == MessageStatus.PENDING)
        .values(status=MessageStatus.SENDING, claimed_by=worker, claimed_at=now,
                attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _load_claimed(row_id: int) -> tuple[OutboxMessage, Subscription | None, Subscriber | None]:
    """The claimed row with its subscription and subscriber in one query. Keep the tuple while composing:
    the session holds loaded objects weakly, and compose finds these without a query of its own."""
    return db.session.execute(
        sa.select(OutboxMessage, Subscription, Subscriber)
        .outerjoin(Subscription, Subscription.id == OutboxMessage.subscription_id)
        .outerjoin(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(OutboxMessage.id == row_id)
    ).tuples().one()


def _finish(row: OutboxMessage, status: MessageStatus, *, error: str = "", sent_at: datetime | None = None) -> None:
    """Record an outcome; the next claim (or the end of the run) commits it."""
    row.status = status
    row.last_error = error[:500]
    row.sent_at = sent_at
    db.session.flush()


def _retry_later(row: OutboxMessage, now: datetime, error: str) -> bool:
    """Back off; give up (failed) after MAX_ATTEMPTS or when it would arrive too late. True if retrying."""
    delay = timedelta(minutes=BACKOFF_MINUTES[min(row.attempts, len(BACKOFF_MINUTES)) - 1])
    if row.attempts >= MAX_ATTEMPTS or (row.expires_at is not None and now + delay >= row.expires_at):
        _finish(row, MessageStatus.FAILED, error=f"gave up after {row.attempts} attempts: {error}")
        return False
    row.next_attempt_at = now + delay
    row.claimed_by = None
    _finish(row, MessageStatus.PENDING, error=error)
    return True


def _release(row: OutboxMessage, now: datetime, error: str) -> None:
    """The connection broke under this message: it goes back to pending, due again at once, as if never tried."""
    row.next_attempt_at = now
    row.claimed_by = None
    row.attempts = max(row.attempts - 1, 0)
    _finish(row, MessageStatus.PENDING, error=f"connection lost, sending again: {error}")


class _Relay:
    """The mail connection of one dispatch run: opened when first needed, reopened after it is lost.

    Opening tries once at once and then after each delay of ``delays`` (within the run's deadline);
    when every attempt fails it raises RelayDown."""

    def __init__(self, mailer: Mailer, deadline: float, delays: tuple[float, ...]) -> None:
        self.mailer, self.deadline, self.delays = mailer, deadline, delays
        self.stack = contextlib.ExitStack()
        self.connection: Any = None

    def send(self, message: Any) -> None:
        if self.connection is None:
            self.connection = self._open()
        try:
            self.connection.send(message)
        except TemporaryMailError as error:
            if error.connection_lost:
                self.close()
            raise

    def _open(self) -> Any:
        error: TemporaryMailError | None = None
        for delay in (0.0, *self.delays):
            if delay:
                if time.monotonic() + delay > self.deadline:
                    break
                time.sleep(delay)
            try:
                return self.stack.enter_context(self.mailer.connect())
            except TemporaryMailError as failure:
                error = failure
        raise RelayDown(str(error or "no time left to reconnect"))

    def close(self) -> None:
        self.connection = None
        self.stack.close()
        self.stack = contextlib.ExitStack()


def reconnect_delays() -> tuple[float, ...]:
    """Seconds to wait before each further attempt to reach the mail server (INK_MAIL_RECONNECT_DELAYS)."""
    value = current_app.config["MAIL_RECONNECT_DELAYS"]
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    return tuple(float(delay) for delay in value)


def dispatch_due(now: datetime, mailer: Mailer | None = None, *, batch_size: int = 500,
                 worker: str | None = None, max_seconds: float = 50.0) -> DispatchResult:
    """Send what is due over one mail connection, reconnecting when the server drops it, re-checking
    every message just before it goes. Stops when nothing is due, when the server stays unreachable,
    or after ``max_seconds`` (the next tick carries on)."""
    mailer = mailer or mailer_from_config()
    worker = worker or _worker_id()
    result = DispatchResult()
    release_stale_claims(now)
    deadline = time.monotonic() + max_seconds
    relay = _Relay(mailer, deadline, reconnect_delays())
    try:
        while time.monotonic() <= deadline:
            ids = due_ids(now, batch_size)
            if not ids or not _dispatch_batch(ids, now, relay, worker, result, deadline):
                break
    finally:
        db.session.commit()  # the last message's outcome
        relay.close()
    return result


def _dispatch_batch(ids: list[int], now: datetime, relay: _Relay, worker: str, result: DispatchResult,
                    deadline: float) -> bool:
    """Send one batch of rows. False when the run must stop (mail server down, or out of time)."""
    from ink.reminders.compose import Batch  # compose imports this module

    batch = Batch(now=now)
    known = _erased_known.set(_erased_among(ids))
    try:
        return _send_rows(deque(ids), batch, now, relay, worker, result, deadline)
    finally:
        _erased_known.reset(known)


def _send_rows(queue: deque[int], batch: Any, now: datetime, relay: _Relay, worker: str, result: DispatchResult,
               deadline: float) -> bool:
    """Claim, compose and send each row in turn; a row whose connection broke goes again first."""
    dropped: set[int] = set()  # rows whose connection broke once already in this batch
    while queue:
        if time.monotonic() > deadline:
            return False
        row_id = queue.popleft()
        if not claim(row_id, worker, now):
            result.lost_claims += 1
            continue
        row, *_loaded = _load_claimed(row_id)  # _loaded: kept alive while composing
        built = _compose_or_fail(row, row_id, batch, result)
        if built is None:
            continue
        try:
            relay.send(built)
        except RelayDown as error:
            _count_retry(result, _retry_later(row, now, str(error)))
            return False  # the rest stay pending (unclaimed) for the next tick
        except TemporaryMailError as error:
            if error.connection_lost and row_id not in dropped:
                dropped.add(row_id)
                _release(row, now, str(error))
                result.reconnects += 1
                queue.appendleft(row_id)  # again, first thing on the new connection
            else:
                _count_retry(result, _retry_later(row, now, str(error)))
        except PermanentMailError as error:
            _finish(row, MessageStatus.FAILED, error=str(error))
            result.failed += 1
        else:
            # The subject as the recipient saw it, for the outbox page (a new dict: JSON columns track assignment).
            row.payload = {**(row.payload or {}), "subject": str(built["Subject"])}
            _finish(row, MessageStatus.SENT, sent_at=now)
            result.sent += 1
    return True


def _compose_or_fail(row: OutboxMessage, row_id: int, batch: Any, result: DispatchResult) -> EmailMessage | None:
    """The message to send, or None when it was skipped or could not be composed (recorded)."""
    from ink.reminders.compose import Skip, compose  # compose imports this module

    try:
        built = compose(row, batch)
    except Exception as error:  # a rendering bug must not stop the batch
        current_app.logger.exception("Could not compose outbox message %s", row_id)
        db.session.rollback()
        row = _load_claimed(row_id)[0]
        _finish(row, MessageStatus.FAILED, error=f"could not compose: {type(error).__name__}: {error}")
        result.failed += 1
        return None
    if isinstance(built, Skip):
        _finish(row, MessageStatus.SKIPPED, error=built.reason)
        result.skipped += 1
        result.reasons[built.reason] = result.reasons.get(built.reason, 0) + 1
        return None
    return built


def _count_retry(result: DispatchResult, retrying: bool) -> None:
    if retrying:
        result.retried += 1
    else:
        result.failed += 1


def is_erased_recipient(email: str) -> bool:
    known = _erased_known.get()
    if known is not None and email in known:
        return known[email]
    return db.session.get(ErasedAddress, address_hash(email)) is not None


def _erased_among(ids: list[int]) -> dict[str, bool]:
    """For a batch's recipients, whether each address was erased: two queries instead of one per message.
    (An erasure during the batch renames or deletes its rows, so the reloaded row still tells.)"""
    recipients = set(db.session.scalars(sa.select(OutboxMessage.recipient).where(OutboxMessage.id.in_(ids))))
    hashes = {address_hash(email): email for email in recipients}
    erased = set(db.session.scalars(sa.select(ErasedAddress.address_hash).where(ErasedAddress.address_hash.in_(list(hashes)))))
    return {email: digest in erased for digest, email in hashes.items()}
