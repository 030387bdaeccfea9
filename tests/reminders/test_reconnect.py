"""Mail keeps flowing: a relay that hangs up after N messages, drops a message midway, or goes away."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from ink.extensions import db
from ink.reminders import service
from ink.reminders.models import MessageStatus, OutboxMessage, TargetKind
from ink.reminders.dispatch import dispatch_due
from ink.reminders.planning import plan_due_messages

UTC = timezone.utc
DUE = datetime(2026, 6, 3, 16, 0, tzinfo=UTC)  # 24 h before the 18:00 Oslo occurrence on 4 June


def _reminders_due(factory, clock, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    series = factory.series(title="Choir", start_local=datetime(2026, 6, 4, 18, 0))
    emails = [f"singer{n:02d}@example.org" for n in range(count)]
    for email in emails:
        subscription = service.subscribe(email, kind=TargetKind.SERIES, target_id=series.id, now=clock.now())
        service.confirm_subscription(subscription, now=clock.now())
    db.session.execute(sa.delete(OutboxMessage))  # the confirmation emails
    db.session.commit()
    plan_due_messages(DUE)
    db.session.remove()
    return emails


def _per_recipient(smtp_server) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(r.rcpt_tos[0] for r in smtp_server.received)


class HangsUpAfter:
    """A relay allowing ``per_connection`` messages on a connection: the next MAIL gets 421 and the
    server closes the connection (as many providers' relays do). With ``down`` it refuses every
    transaction from then on."""

    def __init__(self, recorder, per_connection: int) -> None:  # type: ignore[no-untyped-def]
        self.recorder, self.per_connection = recorder, per_connection
        self.accepted = 0
        self.down = False

    async def handle_MAIL(self, server, session, envelope, address, options) -> str:  # type: ignore[no-untyped-def]
        if self.down or getattr(session, "accepted", 0) >= self.per_connection:
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.7.0 Too many messages on this connection, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        reply = await self.recorder.handle_DATA(server, session, envelope)
        session.accepted = getattr(session, "accepted", 0) + 1  # on this connection
        self.accepted += 1
        return str(reply)


class DropsOnce:
    """The connection dies in the middle of message number ``at`` (no reply: the message is not accepted)."""

    def __init__(self, recorder, at: int, during: str) -> None:  # type: ignore[no-untyped-def]
        self.recorder, self.at, self.during = recorder, at, during
        self.seen = 0

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:  # type: ignore[no-untyped-def]
        self.seen += 1
        if self.during == "rcpt" and self.seen == self.at:
            server.transport.abort()
            return "250 OK"  # never reaches the client
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> Any:  # type: ignore[no-untyped-def]
        if self.during == "data" and self.seen == self.at:
            server.transport.abort()
            return "250 OK"  # never reaches the client
        return await self.recorder.handle_DATA(server, session, envelope)


def test_relay_hanging_up_after_five_messages_gets_all_twelve_once_in_one_tick(app, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    emails = _reminders_due(factory, clock, 12)
    smtp_server.controller.handler = HangsUpAfter(smtp_server.handler, per_connection=5)
    result = dispatch_due(DUE)
    assert _per_recipient(smtp_server) == Counter({email: 1 for email in emails})
    assert result.sent == 12 and result.retried == 0 and result.failed == 0 and result.reconnects == 2
    assert len({r.peer for r in smtp_server.received}) == 3  # three connections
    rows = db.session.scalars(sa.select(OutboxMessage)).all()
    assert {row.status for row in rows} == {MessageStatus.SENT}
    assert {row.attempts for row in rows} == {1}  # a released message's attempt is not counted
    assert dispatch_due(DUE + timedelta(minutes=1)).sent == 0


def test_connection_dropped_mid_message_sends_that_message_again_once(app, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    for during in ("rcpt", "data"):
        db.session.execute(sa.delete(OutboxMessage))
        db.session.commit()
        smtp_server.handler.received.clear()
        emails = _reminders_due(factory, clock, 6) if during == "rcpt" else _replan()
        smtp_server.controller.handler = DropsOnce(smtp_server.handler, at=3, during=during)
        result = dispatch_due(DUE)
        assert _per_recipient(smtp_server) == Counter({email: 1 for email in emails}), during
        assert result.sent == 6 and result.reconnects == 1, during
        assert set(db.session.scalars(sa.select(OutboxMessage.status))) == {MessageStatus.SENT}


def _replan() -> list[str]:
    plan_due_messages(DUE)
    db.session.commit()
    return list(db.session.scalars(sa.select(OutboxMessage.recipient)))


def test_relay_that_stays_down_ends_the_tick_cleanly_and_the_rest_goes_later(app, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    emails = _reminders_due(factory, clock, 10)
    relay = HangsUpAfter(smtp_server.handler, per_connection=3)
    smtp_server.controller.handler = relay

    original = relay.handle_DATA

    async def accept_then_go_down(server, session, envelope):  # type: ignore[no-untyped-def]
        reply = await original(server, session, envelope)
        relay.down = relay.accepted == 3  # after the third message, until the test says
        return reply

    relay.handle_DATA = accept_then_go_down  # type: ignore[method-assign]
    result = dispatch_due(DUE)
    assert len(smtp_server.received) == 3 and result.sent == 3
    statuses = Counter(db.session.scalars(sa.select(OutboxMessage.status)))
    assert statuses == Counter({MessageStatus.SENT: 3, MessageStatus.PENDING: 7})  # none failed, none stuck
    relay.handle_DATA = original  # type: ignore[method-assign]
    relay.down, relay.per_connection = False, 100
    for minutes in (1, 6):  # the next ticks, past the backoff of the messages that met the closed door
        dispatch_due(DUE + timedelta(minutes=minutes))
    assert _per_recipient(smtp_server) == Counter({email: 1 for email in emails})
    assert set(db.session.scalars(sa.select(OutboxMessage.status))) == {MessageStatus.SENT}
