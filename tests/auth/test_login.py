from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ink.auth.models import User
from ink.auth.redirects import is_safe_next
from ink.extensions import db


def test_login_with_valid_credentials_signs_in(client: FlaskClient, factory, auth) -> None:  # type: ignore[no-untyped-def]
    factory.coordinator("coord@example.org")
    response = auth.login("coord@example.org")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/manage/")
    assert client.get("/manage/").status_code == 200


def test_email_is_case_and_space_insensitive(client: FlaskClient, factory, auth) -> None:  # type: ignore[no-untyped-def]
    factory.user("Mixed.Case@Example.org")
    assert auth.login("  mixed.case@EXAMPLE.ORG ").status_code == 302


def test_wrong_password_rerenders_with_an_error(client: FlaskClient, factory, auth) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    response = auth.login("editor@example.org", "wrong password!")
    assert response.status_code == 422
    assert b"do not match an active account" in response.data
    assert client.get("/manage/").status_code == 302  # still anonymous


def test_unknown_account_gets_the_same_message(client: FlaskClient, auth) -> None:  # type: ignore[no-untyped-def]
    response = auth.login("nobody@example.org", "whatever12345")
    assert response.status_code == 422
    assert b"do not match an active account" in response.data


def test_inactive_account_cannot_sign_in(client: FlaskClient, factory, auth) -> None:  # type: ignore[no-untyped-def]
    user = factory.user("gone@example.org")
    user.is_active_account = False
    db.session.commit()
    assert auth.login("gone@example.org").status_code == 422


def test_empty_form_gives_field_errors_not_500(client: FlaskClient) -> None:
    response = client.post("/login", data={})
    assert response.status_code == 422
    assert b"errors" in response.data


def test_session_is_renewed_at_login(client: FlaskClient, factory, auth) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login("editor@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def test_logout_needs_post_and_signs_out(client: FlaskClient, factory, auth) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    auth.login("editor@example.org")
    assert client.get("/logout").status_code == 405
    assert auth.logout().status_code == 302
    assert client.get("/manage/").status_code == 302


def test_password_change_ends_other_sessions(client: FlaskClient, factory, auth, app: Flask) -> None:  # type: ignore[no-untyped-def]
    from ink.auth.service import set_password

    user = factory.user("editor@example.org")
    auth.login("editor@example.org")
    set_password(db.session.get(User, user.id), "a brand new password")
    db.session.commit()
    assert client.get("/manage/").status_code == 302


@pytest.mark.parametrize("target", ["/manage/", "/events/3?x=1"])
def test_login_follows_a_local_next(client: FlaskClient, factory, target: str) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    response = client.post("/login", data={"email": "editor@example.org", "password": "correct horse battery", "next": target})
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example/", "javascript:alert(1)",
        "/\tevil", "\t//evil.example", "/%0a//evil", "http:evil.example", "", "evil.example", "///evil.example",
        "/\x00x",
    ],
)
def test_login_never_redirects_off_site(client: FlaskClient, factory, target: str) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    response = client.post("/login", data={"email": "editor@example.org", "password": "correct horse battery", "next": target})
    location = response.headers["Location"]
    assert location == "/manage/" or (location.startswith("/") and not location.startswith("//") and "evil" not in location.split("?")[0][:3])
    assert is_safe_next(target) is (target in ("/%0a//evil",))


def test_login_form_has_csrf_protection(database_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    from ink import create_app
    from tests.conftest import base_config
    from tests.factories import Factory

    app = create_app(base_config(database_url, CLOCK=clock, WTF_CSRF_ENABLED=True))
    with app.app_context():
        from tests.conftest import empty_all_tables

        empty_all_tables()
        Factory(clock).user("editor@example.org")
        client = app.test_client()
        response = client.post("/login", data={"email": "editor@example.org", "password": "correct horse battery"})
        assert response.status_code in (400, 422)
        assert client.get("/manage/").status_code == 302
        page = client.get("/login").data.decode()
        assert 'name="csrf_token"' in page
        empty_all_tables()
        db.engine.dispose()
