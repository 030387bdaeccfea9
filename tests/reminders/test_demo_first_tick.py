"""`make run` on a fresh demo: the scheduler's first ticks send only true, current messages."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ink.core.time import local_date
from ink.events.models import Occurrence
from ink.extensions import db
from ink.reminders.models import MessageKind, MessageStatus, OutboxMessage
from tests.reminders.conftest import run_outbox

TZ = "Europe/Oslo"


def test_first_ticks_after_seed_demo_send_no_stale_mail(runner, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    # The clock stands at 12:00 Oslo on Tuesday 2 June 2026: the language café meets at 17:00 today.
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.remove()
    run_outbox(clock.now())
    clock.advance(seconds=49)
    run_outbox(clock.now())  # the next tick: no second round of anything

    sent = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status == MessageStatus.SENT)).all()
    kinds = [row.kind for row in sent]
    assert MessageKind.NUDGE.value not in kinds and MessageKind.NUDGE_AGAIN.value not in kinds
    today = local_date(clock.now(), TZ)
    subjects = {received.subject for received in smtp_server.received}
    assert "Today: Language café at the library" in subjects
    for row in sent:
        if row.kind == MessageKind.ORGANISER_REMINDER.value:
            occ = db.session.get(Occurrence, row.occurrence_id)
            received = next(r for r in smtp_server.received if r.message["Message-ID"] == f"<ink.{row.kind}.{row.id}@ink.example.org>")
            expected = "Today:" if local_date(occ.start_at, TZ) == today else "Tomorrow:"
            assert received.subject.startswith(expected), received.subject
            assert local_date(occ.start_at, TZ) - today <= timedelta(days=1)
    summaries = [r for r in smtp_server.received if r.subject == "What needs attention this week"]
    for summary in summaries:
        assert "without an attendance count: 0" in summary.text
        assert "scheduler" not in summary.text.lower()  # it is running: no warning that it looks stopped
    assert len(smtp_server.received) == len(sent)
