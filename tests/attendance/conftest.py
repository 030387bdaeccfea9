"""A small network: two organisations with editors, a weekly drop-in (four past Tuesdays and today),
a venue with capacity 30, and a coordinator."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
import sqlalchemy as sa

from ink.auth.models import User
from ink.events.models import EventSeries, Occurrence, Venue
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.organisations.models import Organisation


@dataclass
class Network:
    org: Organisation
    partner: Organisation
    other: Organisation
    editor: User
    partner_editor: User
    outsider: User
    coordinator: User
    venue: Venue
    series: EventSeries

    def occurrences(self) -> list[Occurrence]:
        return list(db.session.scalars(
            sa.select(Occurrence).where(Occurrence.series_id == self.series.id).order_by(Occurrence.start_at)))

    def past(self) -> Occurrence:
        """2026-05-26 18:00-20:00 Oslo: held last week."""
        return self.occurrences()[3]

    def today(self) -> Occurrence:
        """2026-06-02 18:00 Oslo (16:00 UTC); the clock stands at 10:00 UTC that day."""
        return self.occurrences()[4]


@pytest.fixture
def network(factory) -> Network:  # type: ignore[no-untyped-def]
    org = factory.organisation("Kafé Verden")
    partner = factory.organisation("Språkvenn")
    other = factory.organisation("Other Club")
    venue = factory.venue("Library hall", capacity=30)
    series = factory.series(
        organisation=org, title="Language café", start_local=datetime(2026, 5, 5, 18, 0),
        recurrence=Recurrence(freq="weekly", end="count", count=8), duration_minutes=120,
        venue=venue, coorganisers=[partner], is_drop_in=True,
    )
    return Network(
        org=org, partner=partner, other=other,
        editor=factory.user("editor@example.org", editor_of=[org]),
        partner_editor=factory.user("partner@example.org", editor_of=[partner]),
        outsider=factory.user("outsider@example.org", editor_of=[other]),
        coordinator=factory.coordinator(),
        venue=venue, series=series,
    )
