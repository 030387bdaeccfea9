"""A real dispatcher process killed with SIGKILL in the middle of a batch; the restart sends each message once."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from ink.extensions import db
from ink.reminders import service
from ink.reminders.models import MessageStatus, OutboxMessage, TargetKind
from ink.reminders.outbox import SENDING_LEASE
from ink.reminders.planning import plan_due_messages
from tests.reminders.conftest import run_outbox

UTC = timezone.utc
DUE = datetime(2026, 6, 3, 16, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


class Holding:
    """Accepts messages until the n-th, which it holds (no reply) until released, then refuses."""

    def __init__(self, recorder, hold_at: int) -> None:  # type: ignore[no-untyped-def]
        self.recorder, self.hold_at, self.seen = recorder, hold_at, 0
        self.holding = False
        self.released = False

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.seen += 1
        if self.seen == self.hold_at:
            self.holding = True
            while not self.released:
                await asyncio.sleep(0.01)
            return "421 4.3.0 Shutting down"
        return await self.recorder.handle_DATA(server, session, envelope)


@pytest.mark.slow
def test_sigkilled_dispatcher_then_restart_sends_each_message_once(app, factory, clock, smtp_server, database_url) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(title="Carnival", start_local=datetime(2026, 6, 4, 18, 0))
    emails = [f"kill{n}@example.org" for n in range(8)]
    for email in emails:
        service.confirm_subscription(service.subscribe(email, kind=TargetKind.SERIES, target_id=series.id, now=clock.now()), now=clock.now())
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    plan_due_messages(DUE)
    db.session.remove()

    holding = Holding(smtp_server.handler, hold_at=4)
    smtp_server.controller.handler = holding  # used for the connections made from now on
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.reminders._dispatch_process", database_url, str(smtp_server.port), DUE.isoformat()],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy(),
    )
    try:
        deadline = time.monotonic() + 30
        while not holding.holding:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the dispatcher never reached the fourth message"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        holding.released = True
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert len(smtp_server.received) == 3
    smtp_server.controller.handler = smtp_server.handler

    clock.set(DUE)
    run_outbox(clock.now())
    assert len(smtp_server.received) == 7
    clock.advance(seconds=SENDING_LEASE.total_seconds() + 60)
    run_outbox(clock.now())
    counts = Counter(r.rcpt_tos[0] for r in smtp_server.received)
    assert counts == Counter({email: 1 for email in emails})
    assert set(db.session.scalars(sa.select(OutboxMessage.status))) == {MessageStatus.SENT}
