"""The scheduler's heartbeat: written after every tick, read by the dashboard, the outbox page and /readyz."""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from ink.extensions import db
from ink.readiness import ReadinessCheck
from ink.reminders.models import SchedulerHeartbeat

HEARTBEAT_NAME = "scheduler"
STALE_AFTER = timedelta(minutes=5)


def beat(now: datetime, summary: str, *, started_at: datetime | None = None) -> None:
    """Record that the scheduler is alive, with its last summary."""
    heartbeat = db.session.get(SchedulerHeartbeat, HEARTBEAT_NAME)
    if heartbeat is None:
        heartbeat = SchedulerHeartbeat(name=HEARTBEAT_NAME, last_tick_at=now)
        db.session.add(heartbeat)
    heartbeat.last_tick_at = now
    heartbeat.host = socket.gethostname()[:120]
    heartbeat.pid = os.getpid()
    heartbeat.last_summary = summary[:500]
    if started_at is not None:
        heartbeat.started_at = started_at
    db.session.commit()


@dataclass
class HeartbeatStatus:
    last_tick_at: datetime | None
    summary: str
    is_stale: bool


def heartbeat_status(now: datetime) -> HeartbeatStatus:
    heartbeat = db.session.get(SchedulerHeartbeat, HEARTBEAT_NAME)
    if heartbeat is None:
        return HeartbeatStatus(None, "", True)
    return HeartbeatStatus(heartbeat.last_tick_at, heartbeat.last_summary, now - heartbeat.last_tick_at > STALE_AFTER)


def heartbeat_readiness(now: datetime) -> ReadinessCheck:
    """For /readyz: the heartbeat's age. Reported, never failing: the web serves while the scheduler is down."""
    status = heartbeat_status(now)
    age = None if status.last_tick_at is None else round((now - status.last_tick_at).total_seconds())
    return ReadinessCheck(True, {
        "last_tick_at": status.last_tick_at.isoformat() if status.last_tick_at else None,
        "age_seconds": age, "is_stale": status.is_stale,
    })
