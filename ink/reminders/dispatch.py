"""Dispatching: claim the due outbox rows one by one, compose each and send it over one mail connection.

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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app

from ink.extensions import db
from ink.reminders.compose import Batch, Skip, compose
from ink.reminders.mail import (
    Mailer,
    OutgoingMessage,
    PermanentMailError,
    TemporaryMailError,
    mailer_from_config,
    message_subject,
)
from ink.reminders.models import MessageStatus, OutboxMessage
from ink.reminders.outbox import (
    claim,
    due_ids,
    erasures_known,
    finish,
    load_claimed,
    release,
    release_stale_claims,
    retry_later,
    write_outcome,
)


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


class _Relay:
    """The mail connection of one dispatch run: opened when first needed, reopened after it is lost.

    Opening tries once at once and then after each delay of ``delays`` (within the run's deadline);
    when every attempt fails it raises RelayDown."""

    def __init__(self, mailer: Mailer, deadline: float, delays: tuple[float, ...]) -> None:
        self.mailer, self.deadline, self.delays = mailer, deadline, delays
        self.stack = contextlib.ExitStack()
        self.connection: Any = None

    def send(self, message: OutgoingMessage) -> None:
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
        write_outcome()  # the last message's outcome
        db.session.commit()
        relay.close()
    return result


def _dispatch_batch(ids: list[int], now: datetime, relay: _Relay, worker: str, result: DispatchResult,
                    deadline: float) -> bool:
    """Send one batch of rows. False when the run must stop (mail server down, or out of time)."""
    with erasures_known(ids):
        return _send_rows(deque(ids), Batch(now=now), now, relay, worker, result, deadline)


def _send_rows(queue: deque[int], batch: Batch, now: datetime, relay: _Relay, worker: str, result: DispatchResult,
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
        row, *_loaded = load_claimed(row_id)  # _loaded: kept alive while composing
        built = _compose_or_fail(row, row_id, batch, result)
        if built is None:
            continue
        try:
            relay.send(built)
        except RelayDown as error:
            _count_retry(result, retry_later(row, now, str(error)))
            return False  # the rest stay pending (unclaimed) for the next tick
        except TemporaryMailError as error:
            if error.connection_lost and row_id not in dropped:
                dropped.add(row_id)
                release(row, now, str(error))
                result.reconnects += 1
                queue.appendleft(row_id)  # again, first thing on the new connection
            else:
                _count_retry(result, retry_later(row, now, str(error)))
        except PermanentMailError as error:
            finish(row_id, MessageStatus.FAILED, error=str(error))
            result.failed += 1
        else:
            # The subject as the recipient saw it, for the outbox page.
            finish(row_id, MessageStatus.SENT, sent_at=now, payload={**(row.payload or {}), "subject": message_subject(built)})
            result.sent += 1
    return True


def _compose_or_fail(row: OutboxMessage, row_id: int, batch: Batch, result: DispatchResult) -> OutgoingMessage | None:
    """The message to send, or None when it was skipped or could not be composed (recorded)."""

    try:
        built = compose(row, batch)
    except Exception as error:  # a rendering bug must not stop the batch
        current_app.logger.exception("Could not compose outbox message %s", row_id)
        db.session.rollback()
        finish(row_id, MessageStatus.FAILED, error=f"could not compose: {type(error).__name__}: {error}")
        result.failed += 1
        return None
    if isinstance(built, Skip):
        finish(row_id, MessageStatus.SKIPPED, error=built.reason)
        result.skipped += 1
        result.reasons[built.reason] = result.reasons.get(built.reason, 0) + 1
        return None
    return built


def _count_retry(result: DispatchResult, retrying: bool) -> None:
    if retrying:
        result.retried += 1
    else:
        result.failed += 1
