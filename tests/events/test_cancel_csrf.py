"""The cancel confirmation with CSRF protection on, as in production: its form carries the token, the
confirming POST needs it."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from ink.events.models import Occurrence, OccurrenceStatus
from ink.events.recurrence import Recurrence
from ink.extensions import db
from tests.events.manage_helpers import page_csrf_token, sign_in_with_csrf


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}


def test_confirming_needs_the_token(client, factory):  # type: ignore[no-untyped-def]
    org = factory.organisation("Library")
    factory.user("editor@example.org", editor_of=[org])
    sign_in_with_csrf(client, "editor@example.org")
    series = factory.series(organisation=org, start_local=datetime(2026, 6, 2, 17, 0), recurrence=Recurrence(freq="weekly"))
    occ = db.session.scalars(sa.select(Occurrence).where(Occurrence.series_id == series.id).limit(1)).one()
    token = page_csrf_token(client, f"/manage/occurrences/{occ.id}/cancel")
    refused = client.post(f"/manage/occurrences/{occ.id}/cancel", data={"confirmed": "yes"})
    assert refused.status_code == 400
    db.session.expire_all()
    assert occ.status == OccurrenceStatus.SCHEDULED
    done = client.post(f"/manage/occurrences/{occ.id}/cancel", data={"confirmed": "yes", "csrf_token": token})
    assert done.status_code == 302
    db.session.expire_all()
    assert occ.status == OccurrenceStatus.CANCELLED
