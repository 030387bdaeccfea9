"""The audit tests' network: a coordinator, an editor of one organisation, a weekly series with past dates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from ink.audit.models import AuditEntry
from ink.auth.models import User
from ink.events.models import EventSeries, Occurrence
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.organisations.models import Organisation


@dataclass
class AuditNetwork:
    org: Organisation
    other: Organisation
    coordinator: User
    editor: User
    series: EventSeries

    def occurrences(self) -> list[Occurrence]:
        return list(db.session.scalars(
            sa.select(Occurrence).where(Occurrence.series_id == self.series.id).order_by(Occurrence.start_at)))


@pytest.fixture
def network(factory) -> AuditNetwork:  # type: ignore[no-untyped-def]
    org = factory.organisation("Kafé Verden")
    other = factory.organisation("Other Club")
    coordinator = factory.user("coordinator@example.org", coordinator=True)
    editor = factory.user("editor@example.org", editor_of=[org])
    series = factory.series(organisation=org, title="Language café", start_local=datetime(2026, 5, 5, 18, 0),
                            recurrence=Recurrence(freq="weekly", weekdays=(1,)), duration_minutes=120)
    return AuditNetwork(org, other, coordinator, editor, series)


def entries(**where: Any) -> list[AuditEntry]:
    """The log's entries, oldest first, optionally filtered by column values."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    db.session.expire_all()
    return list(db.session.scalars(query))
