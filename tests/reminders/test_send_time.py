"""A reminder's send time has one home: planning, moved occurrences and a changed offset agree."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from ink.events import service as events
from ink.events.models import Occurrence
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.reminders.models import MessageStatus, OutboxMessage
from ink.reminders.planning import reminder_send_at
from tests.reminders.conftest import link_in, run_outbox, subscribe_and_confirm

UTC = timezone.utc
TODAY = datetime(2026, 6, 2, 16, 0, tzinfo=UTC)  # 18:00 in Oslo, the first occurrence
TOMORROW = TODAY + timedelta(days=1)


def _reminder(start_at: datetime) -> OutboxMessage:
    row = db.session.scalar(sa.select(OutboxMessage).join(Occurrence, Occurrence.id == OutboxMessage.occurrence_id)
                            .where(OutboxMessage.kind == "reminder", Occurrence.start_at == start_at))
    assert row is not None
    return row


def test_reminder_send_at_is_the_offset_before_the_start() -> None:
    assert reminder_send_at(TODAY, 90) == datetime(2026, 6, 2, 14, 30, tzinfo=UTC)


def test_changing_the_offset_on_the_manage_page_moves_planned_reminders_and_never_resends(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(title="Knitting circle", start_local=datetime(2026, 6, 2, 18, 0),
                            recurrence=Recurrence(freq="daily"))
    subscribe_and_confirm(client, smtp_server, clock, "ola@example.org", f"/subscribe/series/{series.id}")
    run_outbox(clock.now())  # plans a week of reminders; today's (due yesterday, 24 h before) goes at once
    reminders = lambda: [r for r in smtp_server.handler.subjects("ola@example.org") if r.startswith("Reminder")]  # noqa: E731
    assert reminders() == ["Reminder: Knitting circle"]
    assert _reminder(TOMORROW).due_at == TOMORROW - timedelta(hours=24)

    manage = link_in(smtp_server.handler.to("ola@example.org")[-1], "/subscriptions/manage/")
    response = client.post(manage, data={"locale": "en", "offset_minutes": "60"})
    assert response.status_code == 302
    db.session.remove()
    assert _reminder(TOMORROW).due_at == TOMORROW - timedelta(hours=1)
    assert _reminder(TOMORROW).next_attempt_at == TOMORROW - timedelta(hours=1)
    assert _reminder(TODAY).status == MessageStatus.SENT

    clock.set(TOMORROW - timedelta(hours=1, minutes=1))  # the old time has long passed: nothing yet
    run_outbox(clock.now())
    assert reminders() == ["Reminder: Knitting circle"]
    clock.set(TOMORROW - timedelta(hours=1))
    run_outbox(clock.now())
    assert reminders() == ["Reminder: Knitting circle"] * 2  # tomorrow's, once; today's not again

    # A moved occurrence keeps the new offset too.
    later = TOMORROW + timedelta(days=2)
    occ = db.session.scalar(sa.select(Occurrence).where(Occurrence.start_at == later))
    events.move_occurrence(occ, start_at=later + timedelta(hours=2), end_at=later + timedelta(hours=3),
                           venue=occ.venue, note="", now=clock.now())
    db.session.commit()
    assert _reminder(later + timedelta(hours=2)).due_at == later + timedelta(hours=1)
