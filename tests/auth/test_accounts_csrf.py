"""CSRF on the account and invitation forms, with protection switched on as in production."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ink.extensions import db
from ink.organisations.models import Invitation
from tests.events.manage_helpers import page_csrf_token, sign_in_with_csrf


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def organisation(client, factory):  # type: ignore[no-untyped-def]
    org = factory.organisation("Library")
    factory.user("editor@example.org", editor_of=[org])
    sign_in_with_csrf(client, "editor@example.org")
    return org


def test_sign_out_everywhere_needs_the_token(client, organisation) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/account/sign-out-everywhere").status_code == 400
    assert client.get("/manage/").status_code == 200  # still signed in
    token = page_csrf_token(client, "/account")
    assert client.post("/account/sign-out-everywhere", data={"csrf_token": token}).status_code == 302
    assert client.get("/manage/").status_code == 302


def test_inviting_needs_the_token(client, organisation) -> None:  # type: ignore[no-untyped-def]
    path = f"/manage/organisations/{organisation.id}/members"
    assert client.post(path, data={"email": "friend@example.org"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
    token = page_csrf_token(client, path)
    assert client.post(path, data={"email": "friend@example.org", "csrf_token": token}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 1


def test_the_password_change_needs_the_token(client, organisation) -> None:  # type: ignore[no-untyped-def]
    data = {"password-current_password": "correct horse battery", "password-password": "another long password",
            "password-confirm": "another long password"}
    assert client.post("/account/password", data=data).status_code == 400
