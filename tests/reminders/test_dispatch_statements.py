"""The dispatcher's hot loop: what another connection sees while a message is being sent, and how many
statements a message costs (on PostgreSQL the outcome rides in the next claim's statement)."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from ink.extensions import db
from ink.reminders import service
from ink.reminders.dispatch import dispatch_due
from ink.reminders.models import MessageStatus, OutboxMessage, TargetKind
from ink.reminders.planning import plan_due_messages

UTC = timezone.utc
DUE = datetime(2026, 6, 3, 16, 0, tzinfo=UTC)  # a day before the festival starts


def _reminder_rows(factory, clock, count: int) -> None:  # type: ignore[no-untyped-def]
    """``count`` confirmed subscribers of a series and their reminders planned (as in test_exactly_once)."""
    series = factory.series(title="Kite festival", start_local=datetime(2026, 6, 4, 18, 0))
    for n in range(count):
        subscription = service.subscribe(f"reader{n}@example.org", kind=TargetKind.SERIES, target_id=series.id,
                                         now=clock.now())
        service.confirm_subscription(subscription, now=clock.now())
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    clock.set(DUE)
    assert plan_due_messages(clock.now()) == count
    db.session.commit()


class Watching:
    """Before accepting each message, reads the outbox over a connection of its own (another process's view)."""

    def __init__(self, recorder, database_url: str) -> None:  # type: ignore[no-untyped-def]
        self.recorder, self.engine, self.seen = recorder, sa.create_engine(database_url), []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        with self.engine.connect() as connection:
            self.seen.append((envelope.rcpt_tos[0], dict(connection.execute(
                sa.select(OutboxMessage.recipient, OutboxMessage.status)).tuples().all())))
        return await self.recorder.handle_DATA(server, session, envelope)


def test_each_claim_and_each_earlier_outcome_are_committed_before_a_message_goes(app, factory, clock, smtp_server, database_url) -> None:  # type: ignore[no-untyped-def]
    _reminder_rows(factory, clock, 4)
    watching = Watching(smtp_server.handler, database_url)
    smtp_server.controller.handler = watching
    try:
        assert dispatch_due(clock.now()).sent == 4
    finally:
        smtp_server.controller.handler = smtp_server.handler
        watching.engine.dispose()
    assert len(watching.seen) == 4
    for index, (recipient, statuses) in enumerate(watching.seen):
        assert statuses[recipient] == MessageStatus.SENDING  # claimed, and committed, before it went
        # Every earlier message is recorded as sent (the one just before by this message's claim).
        assert all(statuses[email] == MessageStatus.SENT for email, _ in watching.seen[:index])
    assert set(db.session.scalars(sa.select(OutboxMessage.status))) == {MessageStatus.SENT}
    assert len(smtp_server.received) == 4


def test_a_message_costs_one_update_on_postgresql_two_on_sqlite(app, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    """On PostgreSQL the outcome's UPDATE goes in a WITH clause of the next claim's: one statement (in
    autocommit: one round trip) writes both. SQLite, in process, runs them one after the other."""
    _reminder_rows(factory, clock, 6)
    updates = []

    def counting(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "UPDATE outbox_message" in statement:
            updates.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", counting)
    try:
        assert dispatch_due(clock.now()).sent == 6
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counting)
    # One to release stale claims; then per message its claim, with (PostgreSQL) or after (SQLite) the
    # previous outcome; and the last outcome alone.
    expected = 1 + 6 + 1 if db.engine.dialect.name == "postgresql" else 1 + 6 + 6
    assert len(updates) == expected
    assert set(db.session.scalars(sa.select(OutboxMessage.status))) == {MessageStatus.SENT}
    assert len(smtp_server.received) == 6
