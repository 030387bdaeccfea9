"""CSRF on the manage forms, with protection switched on as in production."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from ink.events.models import EventSeries, Occurrence, OccurrenceStatus
from ink.events.recurrence import Recurrence
from ink.extensions import db
from tests.events.manage_helpers import page_csrf_token, series_form, sign_in_with_csrf


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def signed_in(client, factory):  # type: ignore[no-untyped-def]
    org = factory.organisation("Library")
    factory.user("editor@example.org", editor_of=[org])
    sign_in_with_csrf(client, "editor@example.org")
    return org


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(EventSeries.id))) or 0


def test_series_form_without_token_is_400_and_saves_nothing(client, signed_in):
    response = client.post("/manage/series/new", data=series_form(signed_in))
    assert response.status_code == 400
    assert _count() == 0


def test_series_form_with_token_saves(client, signed_in):
    token = page_csrf_token(client, "/manage/series/new")
    response = client.post("/manage/series/new", data={**series_form(signed_in), "csrf_token": token})
    assert response.status_code == 302
    assert _count() == 1


def test_occurrence_cancel_without_token_is_400(client, signed_in, factory):
    series = factory.series(organisation=signed_in, start_local=datetime(2026, 6, 2, 17, 0),
                            recurrence=Recurrence(freq="weekly"))
    occ = db.session.scalars(sa.select(Occurrence).where(Occurrence.series_id == series.id).limit(1)).one()
    assert client.post(f"/manage/occurrences/{occ.id}/cancel", data={"reason": "x"}).status_code == 400
    assert client.post(f"/manage/series/{series.id}/unpublish").status_code == 400
    db.session.expire_all()
    assert occ.status == OccurrenceStatus.SCHEDULED and series.status == "published"


def test_json_preview_takes_the_token_from_a_header(client, signed_in):
    token = page_csrf_token(client, "/manage/series/new")
    data = series_form(signed_in)
    refused = client.post("/manage/series/preview", data=data, headers={"Accept": "application/json"})
    assert refused.status_code == 400
    assert "error" in refused.get_json()
    accepted = client.post("/manage/series/preview", data=data,
                           headers={"Accept": "application/json", "X-CSRFToken": token})
    assert accepted.status_code == 200
    assert accepted.get_json()["summary"].startswith("Every Tuesday and Thursday")
