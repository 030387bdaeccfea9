"""The outbox table and its primitives: rows with unique keys, queued once, claimed, finished or released.

Exactly once: a row is planned at most once per (kind, ref, recipient) (unique constraint, insert that
ignores conflicts); a dispatcher claims one row at a time with an atomic
``UPDATE ... SET status='sending' WHERE id=? AND status='pending'`` and commits the claim before talking
to SMTP; the outcome (sent only once the server accepted it) is committed with the next claim, so each
message costs one commit (on PostgreSQL that transaction is one statement: the outcome's UPDATE in a
WITH clause of the claim's, in autocommit). Two dispatchers therefore never send the same row. The one
window left: a process killed after the SMTP server accepted a message but before the outcome was
committed leaves the row in "sending"; after SENDING_LEASE it is sent again (at most one duplicate per
crash, and the Message-ID is the same, so many mail systems drop it). On PostgreSQL these commits do
not wait for the WAL flush (``synchronous_commit = off`` for those transactions only, set by the
statement itself): a crash of the database server itself (not of the dispatcher) may forget the last
fraction of a second of outcomes, so those few messages go out a second time; none is ever lost.

Every row is built by ``outbox_row`` and queued by ``enqueue``; ``is_erased`` is the one erasure check.
"""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa

from ink.extensions import db, insert_ignoring_conflicts
from ink.notices import NoticeKind
from ink.reminders.models import (
    ErasedAddress,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Subscriber,
    Subscription,
    address_hash,
)

SENDING_LEASE = timedelta(minutes=10)
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360, 720)
MAX_ATTEMPTS = 8
# Erased-or-not for the recipients of the batch being dispatched (is_erased asks it first).
_erased_known: ContextVar[dict[str, bool] | None] = ContextVar("erased_known", default=None)


def outbox_row(kind: MessageKind, ref: str, recipient: str, *, locale: str, due_at: datetime, now: datetime,
               expires_at: datetime | None = None, subscription_id: int | None = None, user_id: int | None = None,
               occurrence_id: int | None = None, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """The values of one new (pending) outbox row: the one way rows are built."""
    return dict(
        kind=kind.value, ref=ref, recipient=recipient, locale=locale or "en", subscription_id=subscription_id,
        user_id=user_id, occurrence_id=occurrence_id, payload=payload or {}, status=MessageStatus.PENDING.value,
        due_at=due_at, expires_at=expires_at, attempts=0, next_attempt_at=due_at, last_error="", created_at=now,
    )


def enqueue(rows: list[dict[str, Any]]) -> int:
    """Insert rows built by ``outbox_row``, ignoring those whose (kind, ref, recipient) exists. Returns how many went in."""
    return insert_ignoring_conflicts(OutboxMessage.__table__, rows, index_elements=["kind", "ref", "recipient"])


def queue_notice_row(kind: NoticeKind, *, ref: str, recipient: str, locale: str, now: datetime,
                     payload: dict[str, Any], user_id: int | None, expires_at: datetime | None) -> bool:
    """ink/notices.py's queue: one outbox row of kind ``notice``, unique per (notice name, ref, recipient)."""
    return enqueue([outbox_row(
        MessageKind.NOTICE, f"{kind.name}:{ref}", recipient, locale=locale, due_at=now, now=now,
        expires_at=expires_at, user_id=user_id, payload={"notice": kind.name, "data": payload},
    )]) == 1


def occ_ref(occurrence_id: int) -> str:
    return f"occ:{occurrence_id}"


def week_ref(moment_local: datetime) -> str:
    year, week, _ = moment_local.isocalendar()
    return f"{year}-W{week:02d}"


def existing_keys(kind: MessageKind, refs: list[str]) -> set[tuple[str, str]]:
    if not refs:
        return set()
    return set(db.session.execute(
        sa.select(OutboxMessage.ref, OutboxMessage.recipient)
        .where(OutboxMessage.kind == kind.value, OutboxMessage.ref.in_(refs))
    ).tuples())


# --- the erasure check ---------------------------------------------------------------------------

def is_erased(email: str) -> bool:
    """Whether this address asked to be erased (it is never written to again)."""
    known = _erased_known.get()
    if known is not None and email in known:
        return known[email]
    return db.session.get(ErasedAddress, address_hash(email)) is not None


@contextlib.contextmanager
def erasures_known(ids: list[int]) -> Iterator[None]:
    """While dispatching these rows, ``is_erased`` answers their recipients from two queries made up front."""
    token = _erased_known.set(_erased_among(ids))
    try:
        yield
    finally:
        _erased_known.reset(token)


def _erased_among(ids: list[int]) -> dict[str, bool]:
    """For a batch's recipients, whether each address was erased: two queries instead of one per message.
    (An erasure during the batch renames or deletes its rows, so the reloaded row still tells.)"""
    recipients = set(db.session.scalars(sa.select(OutboxMessage.recipient).where(OutboxMessage.id.in_(ids))))
    hashes = {address_hash(email): email for email in recipients}
    erased = set(db.session.scalars(sa.select(ErasedAddress.address_hash).where(ErasedAddress.address_hash.in_(list(hashes)))))
    return {email: digest in erased for digest, email in hashes.items()}


# --- claiming and finishing rows -----------------------------------------------------------------

def _fast_commit() -> list[Any]:
    """PostgreSQL: a column that makes the transaction of the statement returning it commit without
    waiting for the WAL flush (see the docstring): ``SET LOCAL`` without a round trip of its own."""
    return [sa.func.set_config("synchronous_commit", "off", True)]


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _autocommit() -> bool:
    """PostgreSQL: the session's connection in autocommit until the session's next commit or rollback, so
    each statement is its own transaction, without BEGIN and COMMIT round trips of its own, and the
    dispatcher keeps that one connection for the batch. (The claim is still committed before the
    message goes: it is its own transaction.) False when the connection is inside a transaction that
    someone else began (a test's outer transaction): then each claim is committed as on SQLite."""
    if db.session.connection().get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return True
    db.session.commit()
    try:
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    except sa.exc.InvalidRequestError:
        return False
    return True


def release_stale_claims(now: datetime) -> int:
    """Rows left in "sending" by a process that died: send them again (see the module docstring)."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.claimed_at < now - SENDING_LEASE)
        .values(status=MessageStatus.PENDING, claimed_by=None, next_attempt_at=now,
                last_error="interrupted while sending; sending again")
    )
    db.session.commit()
    return cast(sa.CursorResult[Any], result).rowcount or 0


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


# The outcome of the message sent last, written with the next claim (see claim). In session.info: it
# belongs to the session that will write it, like the changes a session flushes.
_OUTCOME = "ink.outbox.outcome"
_OUTBOX = OutboxMessage.__table__

# The dispatcher's statements are built once, with bound parameters: building (and keying for the
# compiled cache) a statement costs more than running it. Core statements on the table: no ORM
# bookkeeping, the session is expired after each claim anyway.
_CLAIM = (
    sa.update(_OUTBOX)
    .where(_OUTBOX.c.id == sa.bindparam("row_id"), _OUTBOX.c.status == MessageStatus.PENDING)
    .values(status=MessageStatus.SENDING, claimed_by=sa.bindparam("worker", type_=_OUTBOX.c.claimed_by.type),
            claimed_at=sa.bindparam("now", type_=_OUTBOX.c.claimed_at.type), attempts=_OUTBOX.c.attempts + 1)
)
_LOAD_CLAIMED = (
    sa.select(OutboxMessage, Subscription, Subscriber)
    .outerjoin(Subscription, Subscription.id == OutboxMessage.subscription_id)
    .outerjoin(Subscriber, Subscriber.id == Subscription.subscriber_id)
    .where(OutboxMessage.id == sa.bindparam("row_id"))
)


def claim(row_id: int, worker: str, now: datetime) -> bool:
    """Atomically take one pending row; False when another dispatcher took it first.

    The same transaction records the outcome of the previous message (``finish`` leaves it to us), so a
    message costs one commit: on PostgreSQL one statement (the outcome's UPDATE in a WITH clause of the
    claim's), on SQLite the two UPDATEs and a COMMIT in the same process. The session then forgets what
    it had loaded, so that every message is checked against the database as it is now."""
    postgresql = _on_postgresql()
    autocommit = postgresql and _autocommit()
    outcome = db.session.info.pop(_OUTCOME, None)
    if outcome is not None and (not postgresql or outcome[0] == row_id):  # one statement updates a row once
        _write(outcome)
        outcome = None
    params = {"row_id": row_id, "worker": worker, "now": now}
    if postgresql:
        # In autocommit this statement is the whole transaction.
        statement = _claim_with_outcome(_columns(outcome) if outcome is not None else ())
        claimed = db.session.execute(statement, params | _outcome_params(outcome)).first() is not None
        if not autocommit:
            db.session.commit()
    else:
        claimed = cast(sa.CursorResult[Any], db.session.execute(_CLAIM, params)).rowcount == 1
        db.session.commit()
    db.session.expire_all()
    return claimed


def load_claimed(row_id: int) -> tuple[Any, ...]:
    """The claimed row with its subscription and subscriber in one query. Keep the tuple while composing:
    the session holds loaded objects weakly, and compose finds these without a query of its own."""
    return db.session.execute(_LOAD_CLAIMED, {"row_id": row_id}).tuples().one()


def finish(row_id: int, status: MessageStatus, *, error: str = "", sent_at: datetime | None = None,
           **changes: Any) -> None:
    """Record an outcome (and any other column ``changes``); the next claim, or ``write_outcome``, writes it."""
    write_outcome()  # an outcome not yet written is never overwritten
    db.session.info[_OUTCOME] = (row_id, {"status": status, "last_error": error[:500], "sent_at": sent_at, **changes})


def write_outcome() -> None:
    """Write the outcome ``finish`` recorded, if any, when no claim follows (the end of a batch or run)."""
    outcome = db.session.info.pop(_OUTCOME, None)
    if outcome is not None:
        _write(outcome)


def _write(outcome: tuple[int, dict[str, Any]]) -> None:
    db.session.execute(_outcome_alone(_columns(outcome), _on_postgresql()), _outcome_params(outcome))


def _columns(outcome: tuple[int, dict[str, Any]]) -> tuple[str, ...]:
    return tuple(sorted(outcome[1]))


def _outcome_params(outcome: tuple[int, dict[str, Any]] | None) -> dict[str, Any]:
    if outcome is None:
        return {}
    row_id, values = outcome
    return {"outcome_id": row_id} | {f"outcome_{name}": value for name, value in values.items()}


@functools.lru_cache(maxsize=None)
def _outcome_update(columns: tuple[str, ...]) -> sa.Update:
    """The UPDATE that writes an outcome setting these columns (a handful of sets: sent, failed, retry...)."""
    return sa.update(_OUTBOX).where(_OUTBOX.c.id == sa.bindparam("outcome_id")).values(
        {name: sa.bindparam(f"outcome_{name}", type_=_OUTBOX.c[name].type) for name in columns})


@functools.lru_cache(maxsize=None)
def _outcome_alone(columns: tuple[str, ...], postgresql: bool) -> sa.Update:
    """An outcome written by itself: on PostgreSQL with the fast commit (see _fast_commit)."""
    update = _outcome_update(columns)
    return update.returning(*_fast_commit()) if postgresql else update


@functools.lru_cache(maxsize=None)
def _claim_with_outcome(columns: tuple[str, ...]) -> sa.Update:
    """PostgreSQL: the claim, with the previous outcome's UPDATE (when ``columns``) in its WITH clause, and
    the fast commit (see _fast_commit) in its RETURNING."""
    claiming = _CLAIM.add_cte(_outcome_update(columns).cte("outcome")) if columns else _CLAIM
    return claiming.returning(_OUTBOX.c.id, *_fast_commit())


def retry_later(row: OutboxMessage, now: datetime, error: str) -> bool:
    """Back off; give up (failed) after MAX_ATTEMPTS or when it would arrive too late. True if retrying."""
    delay = timedelta(minutes=BACKOFF_MINUTES[min(row.attempts, len(BACKOFF_MINUTES)) - 1])
    if row.attempts >= MAX_ATTEMPTS or (row.expires_at is not None and now + delay >= row.expires_at):
        finish(row.id, MessageStatus.FAILED, error=f"gave up after {row.attempts} attempts: {error}")
        return False
    finish(row.id, MessageStatus.PENDING, error=error, next_attempt_at=now + delay, claimed_by=None)
    return True


def release(row: OutboxMessage, now: datetime, error: str) -> None:
    """The connection broke under this message: it goes back to pending, due again at once, as if never tried."""
    finish(row.id, MessageStatus.PENDING, error=f"connection lost, sending again: {error}", next_attempt_at=now,
           claimed_by=None, attempts=max(row.attempts - 1, 0))
