"""CSRF on the manage forms, with protection switched on as in production."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from flask import g
import sqlalchemy as sa

from ink.events.models import EventSeries, Occurrence, OccurrenceStatus
from ink.events.recurrence import Recurrence
from ink.extensions import db
from tests.conftest import PASSWORD
from tests.events.manage_helpers import series_form


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def signed_in(client, factory):  # type: ignore[no-untyped-def]
    org = factory.organisation("Library")
    factory.user("editor@example.org", editor_of=[org])
    _forget_cached_token()
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "editor@example.org", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return org


def _forget_cached_token() -> None:
    """The test keeps one app context across requests, so Flask-WTF's per-request token cache in `g`
    would outlive the session that login clears; in production `g` is new for every request."""
    g.pop("csrf_token", None)


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(EventSeries.id))) or 0


def test_series_form_without_token_is_400_and_saves_nothing(client, signed_in):
    response = client.post("/manage/series/new", data=series_form(signed_in))
    assert response.status_code == 400
    assert _count() == 0


def test_series_form_with_token_saves(client, signed_in):
    _forget_cached_token()
    token = _token(client.get("/manage/series/new").get_data(as_text=True))
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
    _forget_cached_token()
    token = _token(client.get("/manage/series/new").get_data(as_text=True))
    data = series_form(signed_in)
    refused = client.post("/manage/series/preview", data=data, headers={"Accept": "application/json"})
    assert refused.status_code == 400
    assert "error" in refused.get_json()
    accepted = client.post("/manage/series/preview", data=data,
                           headers={"Accept": "application/json", "X-CSRFToken": token})
    assert accepted.status_code == 200
    assert accepted.get_json()["summary"].startswith("Every Tuesday and Thursday")
