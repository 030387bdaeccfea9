"""The cancel confirmation with CSRF protection on, as in production: its form carries the token, the
confirming POST needs it."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import g

from ink.events.models import Occurrence, OccurrenceStatus
from ink.events.recurrence import Recurrence
from ink.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def test_confirming_needs_the_token(client, factory):  # type: ignore[no-untyped-def]
    org = factory.organisation("Library")
    factory.user("editor@example.org", editor_of=[org])
    g.pop("csrf_token", None)  # one app context spans the requests here; a real request starts afresh
    token = _token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "editor@example.org", "password": PASSWORD, "csrf_token": token})
    series = factory.series(organisation=org, start_local=datetime(2026, 6, 2, 17, 0), recurrence=Recurrence(freq="weekly"))
    occ = db.session.scalars(sa.select(Occurrence).where(Occurrence.series_id == series.id).limit(1)).one()
    g.pop("csrf_token", None)
    page = client.get(f"/manage/occurrences/{occ.id}/cancel").get_data(as_text=True)
    token = _token(page)
    refused = client.post(f"/manage/occurrences/{occ.id}/cancel", data={"confirmed": "yes"})
    assert refused.status_code == 400
    db.session.expire_all()
    assert occ.status == OccurrenceStatus.SCHEDULED
    done = client.post(f"/manage/occurrences/{occ.id}/cancel", data={"confirmed": "yes", "csrf_token": token})
    assert done.status_code == 302
    db.session.expire_all()
    assert occ.status == OccurrenceStatus.CANCELLED
