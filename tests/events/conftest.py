"""Fixtures shared by the manage-screen tests."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from ink.events.models import Occurrence
from ink.events.recurrence import Recurrence
from ink.extensions import db


@pytest.fixture
def weekly(factory, auth):  # type: ignore[no-untyped-def]
    """A signed-in editor's weekly Tuesday café (17:00, two hours) and its occurrences, in date order."""
    org = factory.organisation("Library")
    factory.user("editor@example.org", editor_of=[org])
    auth.login("editor@example.org")
    series = factory.series(organisation=org, title="Café", start_local=datetime(2026, 6, 2, 17, 0),
                            recurrence=Recurrence(freq="weekly", weekdays=(1,)), duration_minutes=120)
    occurrences = list(db.session.scalars(
        sa.select(Occurrence).where(Occurrence.series_id == series.id).order_by(Occurrence.original_start_at)))
    return series, occurrences
