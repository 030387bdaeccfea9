"""Moderation, the rest: CSRF on the decisions, and the demo's reviewed organisation waiting in the queue."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from ink.demo import COORDINATOR_EMAIL, DEMO_PASSWORD, EDITOR_EMAIL
from ink.events.models import ModerationRequest, SeriesStatus
from ink.extensions import db
from ink.organisations.models import Organisation, OrganisationModeration
from tests.events.manage_helpers import page_csrf_token, sign_in_with_csrf


@pytest.fixture
def csrf_on(app):  # type: ignore[no-untyped-def]
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_deciding_needs_the_csrf_token(client, factory, csrf_on):  # type: ignore[no-untyped-def]
    org = factory.organisation("Reviewed", moderation=OrganisationModeration.REVIEWED)
    editor = factory.user("editor@example.org", editor_of=[org])
    factory.coordinator("coordinator@example.org")
    series = factory.series(organisation=org, title="Waiting", start_local=datetime(2026, 6, 9, 18, 0),
                            status=SeriesStatus.DRAFT)
    request = ModerationRequest(series=series, kind="publish", status="pending", proposed={},
                                submitted_by_id=editor.id, submitted_at=factory.clock.now())
    db.session.add(request)
    db.session.commit()
    request_id, version = request.id, series.version
    sign_in_with_csrf(client, "coordinator@example.org")
    data = {f"approve-{request_id}-version": str(version)}
    assert client.post(f"/manage/moderation/{request_id}/approve", data=data).status_code == 400
    db.session.expire_all()
    assert db.session.get(ModerationRequest, request_id).is_pending
    token = page_csrf_token(client, "/manage/moderation/")
    response = client.post(f"/manage/moderation/{request_id}/approve",
                           data={**data, f"approve-{request_id}-csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ModerationRequest, request_id).is_approved


def test_the_demo_has_a_reviewed_organisation_waiting_in_moderation(runner, client, auth):  # type: ignore[no-untyped-def]
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.remove()
    choir = db.session.scalar(sa.select(Organisation).where(Organisation.slug == "newcomers-choir"))
    assert choir.is_reviewed
    assert db.session.scalar(sa.select(Organisation).where(Organisation.slug == "solvberget-library")).is_trusted
    auth.login(COORDINATOR_EMAIL, DEMO_PASSWORD)
    assert "Open choir rehearsal" in client.get("/manage/moderation/").get_data(as_text=True)
    assert "1 request waits" in client.get("/manage/").get_data(as_text=True)
    auth.logout()
    auth.login(EDITOR_EMAIL, DEMO_PASSWORD)
    series_id = db.session.scalar(sa.select(ModerationRequest.series_id))
    assert "Waiting for review" in client.get(f"/manage/series/{series_id}").get_data(as_text=True)
    assert "Open choir rehearsal" not in client.application.test_client().get("/").get_data(as_text=True)
