"""Exactly once: crashes mid-batch, racing dispatchers, temporary failures, downtime, header injection."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from ink.extensions import db
from ink.reminders import service
from ink.reminders.mail import HeaderInjection, build_message, mailer_from_config
from ink.reminders.models import MessageStatus, OutboxMessage, TargetKind
from ink.reminders.dispatch import dispatch_due
from ink.reminders.outbox import SENDING_LEASE
from ink.reminders.planning import plan_due_messages
from tests.reminders.conftest import run_outbox

UTC = timezone.utc
START = datetime(2026, 6, 4, 16, 0, tzinfo=UTC)
DUE = START - timedelta(hours=24)


def _confirmed_subscribers(factory, clock, count: int, title: str = "Kite festival") -> list[str]:  # type: ignore[no-untyped-def]
    series = factory.series(title=title, start_local=datetime(2026, 6, 4, 18, 0))
    emails = [f"resident{n}@example.org" for n in range(count)]
    for email in emails:
        subscription = service.subscribe(email, kind=TargetKind.SERIES, target_id=series.id, now=clock.now())
        service.confirm_subscription(subscription, now=clock.now())
    # The confirmation emails were for the form; these subscribers confirmed already.
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    return emails


def _reminders_per_recipient(smtp_server) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(r.rcpt_tos[0] for r in smtp_server.received if r.subject.startswith("Reminder"))


class CrashingMailer:
    """Wraps the real mailer; the process "dies" (SystemExit) when asked to send message number ``crash_at``."""

    def __init__(self, inner, crash_at: int) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.crash_at, self.sends = inner, crash_at, 0

    def connect(self):  # type: ignore[no-untyped-def]
        mailer = self

        class Connection:
            def __init__(self, real) -> None:  # type: ignore[no-untyped-def]
                self.real = real

            def send(self, message) -> None:  # type: ignore[no-untyped-def]
                mailer.sends += 1
                if mailer.sends == mailer.crash_at:
                    raise SystemExit("killed in the middle of a batch")
                self.real.send(message)

        from contextlib import contextmanager

        @contextmanager
        def opened():  # type: ignore[no-untyped-def]
            with self.inner.connect() as real:
                yield Connection(real)

        return opened()


def test_scheduler_killed_mid_batch_and_restarted_sends_each_message_once(app, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    emails = _confirmed_subscribers(factory, clock, 6)
    clock.set(DUE)
    plan_due_messages(clock.now())
    with pytest.raises(SystemExit):
        dispatch_due(clock.now(), CrashingMailer(mailer_from_config(), crash_at=4))
    db.session.remove()
    assert len(smtp_server.received) == 3
    # The restarted scheduler sends the rest at once...
    run_outbox(clock.now())
    assert len(smtp_server.received) == 5
    # ...and the one that was being sent when the process died, once its claim has expired.
    clock.advance(seconds=SENDING_LEASE.total_seconds() + 60)
    run_outbox(clock.now())
    run_outbox(clock.now())
    assert _reminders_per_recipient(smtp_server) == Counter({email: 1 for email in emails})
    statuses = db.session.scalars(sa.select(OutboxMessage.status)).all()
    assert statuses == [MessageStatus.SENT] * 6


@pytest.mark.committing  # threads: connections of their own
def test_two_dispatchers_started_together_send_each_message_once(app, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    emails = _confirmed_subscribers(factory, clock, 40)
    clock.set(DUE)
    plan_due_messages(clock.now())
    db.session.remove()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def scheduler(name: str) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results.append(dispatch_due(clock.now(), worker=name))
                db.session.remove()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=scheduler, args=(f"scheduler-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert _reminders_per_recipient(smtp_server) == Counter({email: 1 for email in emails})
    assert sum(result.sent for result in results) == 40
    run_outbox(clock.now())
    assert len(smtp_server.received) == 40


def test_smtp_failing_three_times_then_accepting_delivers_once(app, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    [email] = _confirmed_subscribers(factory, clock, 1)
    smtp_server.handler.fail_next = 3
    clock.set(DUE)
    for step in range(12):
        run_outbox(clock.now())
        clock.advance(minutes=5)
    assert _reminders_per_recipient(smtp_server) == Counter({email: 1})
    row = db.session.scalar(sa.select(OutboxMessage))
    assert row.status == MessageStatus.SENT and row.attempts == 4


def test_permanent_failure_is_recorded_for_coordinators(app, client, auth, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    _confirmed_subscribers(factory, clock, 1)
    factory.coordinator()
    smtp_server.handler.reject_reply = "550 5.1.1 No such mailbox"
    clock.set(DUE)
    result = run_outbox(clock.now())
    assert result.failed == 1
    row = db.session.scalar(sa.select(OutboxMessage))
    assert row.status == MessageStatus.FAILED and "550" in row.last_error
    run_outbox(clock.now() + timedelta(hours=1))
    assert db.session.scalar(sa.select(OutboxMessage.attempts)) == 1
    auth.login("coordinator@example.org")
    page = client.get("/manage/outbox?status=failed")
    assert page.status_code == 200 and b"No such mailbox" in page.data


def test_after_downtime_only_what_is_still_meaningful_is_sent(app, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    _confirmed_subscribers(factory, clock, 1, title="Morning event")
    later = factory.series(title="Evening event", start_local=datetime(2026, 6, 4, 22, 0))
    subscription = service.subscribe("late@example.org", kind=TargetKind.SERIES, target_id=later.id, now=clock.now())
    service.confirm_subscription(subscription, now=clock.now())
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    plan_due_messages(clock.now())
    # The scheduler was down from before both reminders were due until 18:30 Oslo on 4 June:
    # the 18:00 event has started (skip it); the 22:00 one has not (remind, late but useful).
    clock.set(datetime(2026, 6, 4, 16, 30, tzinfo=UTC))
    run_outbox(clock.now())
    assert [r.subject for r in smtp_server.received] == ["Reminder: Evening event"]
    skipped = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.status == MessageStatus.SKIPPED))
    assert skipped.last_error == "too late to be useful"


def test_header_injection_through_a_title_is_impossible(app, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    _confirmed_subscribers(factory, clock, 1, title="Quiz night\r\nBcc: victim@example.net\r\nX-Evil: 1")
    clock.set(DUE)
    run_outbox(clock.now())
    [received] = smtp_server.received
    assert received.rcpt_tos == ["resident0@example.org"]
    assert received.message["Bcc"] is None and received.message["X-Evil"] is None
    assert received.subject == "Reminder: Quiz night Bcc: victim@example.net X-Evil: 1"
    with pytest.raises(HeaderInjection):
        build_message(sender="a@example.org", to="b@example.org", subject="Hi\nBcc: c@example.org", text="x")


def test_one_smtp_connection_per_batch(app, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    _confirmed_subscribers(factory, clock, 5)
    clock.set(DUE)
    run_outbox(clock.now())
    assert len(smtp_server.received) == 5
    assert len({r.peer for r in smtp_server.received}) == 1


def test_no_due_messages_opens_no_connection(app, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    class Refusing:
        def connect(self):  # type: ignore[no-untyped-def]
            raise AssertionError("connected with nothing to send")

    assert dispatch_due(clock.now(), Refusing()).sent == 0


@pytest.mark.committing  # a request in a thread: a connection of its own
def test_unsubscribing_after_the_dispatcher_took_the_message_still_stops_it(app, factory, clock, smtp_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The subscription is re-checked just before sending: here the resident's one-click unsubscribe
    lands after the dispatcher claimed their reminder (so unsubscribing cannot skip it) and before it
    is composed."""
    from ink.reminders import dispatch
    from ink.reminders.models import Subscription

    emails = _confirmed_subscribers(factory, clock, 2)
    subscription = db.session.scalar(sa.select(Subscription).join(Subscription.subscriber).where(
        Subscription.subscriber.has(email=emails[1])))
    one_click = f"/subscriptions/unsubscribe/{service.unsubscribe_token(subscription)}/one-click"
    clock.set(DUE)
    plan_due_messages(clock.now())
    target = db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.recipient == emails[1]))
    real_claim, responses = dispatch.claim, []

    def claim_then_resident_unsubscribes(row_id: int, worker: str, now):  # type: ignore[no-untyped-def]
        claimed = real_claim(row_id, worker, now)
        if claimed and row_id == target:
            # Another request, in its own thread and transaction, as a web worker would run it.
            thread = threading.Thread(target=lambda: responses.append(app.test_client().post(one_click).status_code))
            thread.start()
            thread.join(timeout=30)
        return claimed

    monkeypatch.setattr(dispatch, "claim", claim_then_resident_unsubscribes)
    result = dispatch_due(clock.now())
    assert responses == [200]
    assert [r.rcpt_tos for r in smtp_server.received] == [[emails[0]]]
    assert result.sent == 1 and result.reasons == {"no longer subscribed": 1}
    row = db.session.get(OutboxMessage, target)
    assert row.status == MessageStatus.SKIPPED and row.last_error == "no longer subscribed"


def test_retries_never_deliver_a_reminder_after_the_event_has_started(app, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(title="Kite festival", start_local=datetime(2026, 6, 4, 18, 0))
    subscription = service.subscribe("hour@example.org", kind=TargetKind.SERIES, target_id=series.id,
                                     offset_minutes=60, now=clock.now())
    service.confirm_subscription(subscription, now=clock.now())
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    smtp_server.handler.fail_next = 1000  # the mail server refuses (temporarily) until after the start
    clock.set(START - timedelta(minutes=60))
    while clock.now() < START + timedelta(minutes=30):
        run_outbox(clock.now())
        clock.advance(minutes=1)
    smtp_server.handler.fail_next = 0
    for _ in range(3):
        run_outbox(clock.now())
        clock.advance(hours=1)
    assert smtp_server.received == []
    row = db.session.scalar(sa.select(OutboxMessage))
    assert row.status == MessageStatus.FAILED and row.last_error.startswith("gave up")


def test_a_change_notice_is_not_sent_once_the_occurrence_has_started(app, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    from ink.events import service as events
    from ink.events.models import Occurrence

    emails = _confirmed_subscribers(factory, clock, 1)
    clock.set(START - timedelta(minutes=10))
    events.cancel_occurrence(db.session.scalar(sa.select(Occurrence)), reason="Storm", now=clock.now())
    db.session.commit()
    clock.set(START + timedelta(minutes=5))  # the scheduler was down until after the start
    run_outbox(clock.now())
    assert smtp_server.handler.to(emails[0]) == []
    notice = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "change_notice"))
    assert notice.status == MessageStatus.SKIPPED and notice.last_error == "too late to be useful"


def test_enqueue_counts_the_rows_that_went_in_and_ignores_duplicates(app, clock) -> None:  # type: ignore[no-untyped-def]
    """One insert-or-ignore for the whole app: its rowcount is exact on SQLite and on psycopg 3."""
    from ink.reminders.models import MessageKind
    from ink.reminders.outbox import enqueue, outbox_row

    def row(ref: str) -> dict:  # type: ignore[type-arg]
        return outbox_row(MessageKind.MANAGE_LINK, ref, "ro@example.org", locale="nb", due_at=clock.now(), now=clock.now())

    assert enqueue([row("a")]) == 1
    assert enqueue([row("a")]) == 0
    assert enqueue([row("a"), row("b"), row("c")]) == 2
    assert enqueue([]) == 0
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 3
