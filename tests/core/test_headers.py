"""Cookies, Permissions-Policy, HSTS and no-store on /manage pages (issue #8)."""
from __future__ import annotations

import pytest
from ink import create_app
from tests.conftest import PASSWORD


def test_login_over_an_https_base_url_sets_secure_session_and_remember_cookies(client, factory) -> None:  # type: ignore[no-untyped-def]
    factory.coordinator()
    response = client.post("/login", data={"email": "coordinator@example.org", "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    assert any(cookie.startswith("session=") and "Secure" in cookie for cookie in cookies)
    remember = [cookie for cookie in cookies if cookie.startswith("remember_token=")]
    assert remember and all("Secure" in cookie for cookie in remember)


@pytest.mark.parametrize(("base_url", "secure"), [("https://events.example.org", True), ("http://127.0.0.1:5201", False)])
def test_cookie_security_follows_base_url(database_url: str, base_url: str, secure: bool) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url, "BASE_URL": base_url})
    assert app.config["SESSION_COOKIE_SECURE"] is secure
    assert app.config["REMEMBER_COOKIE_SECURE"] is secure


def test_explicit_cookie_setting_wins(database_url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url,
                      "BASE_URL": "https://events.example.org", "SESSION_COOKIE_SECURE": False})
    assert app.config["SESSION_COOKIE_SECURE"] is False and app.config["REMEMBER_COOKIE_SECURE"] is True


def test_permissions_policy_on_every_page_and_no_hsts_by_default(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/")
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("app_config", [{"HSTS_SECONDS": 31536000, "HSTS_INCLUDE_SUBDOMAINS": True}])
def test_hsts_when_configured(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_manage_pages_are_never_cached(client, auth, factory) -> None:  # type: ignore[no-untyped-def]
    factory.coordinator()
    auth.login("coordinator@example.org")
    response = client.get("/manage/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/manage/series/").headers["Cache-Control"] == "no-store"
    assert client.get("/manage/no-such-page").headers["Cache-Control"] == "no-store"


def test_public_pages_keep_their_caching(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/").headers.get("Cache-Control") != "no-store"

