"""Sign-ins live on the server: logging out, signing out everywhere, a password change and
deactivation end them, so a copy of the session or remember-me cookie taken before stops working."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ink.auth.models import User, UserSession
from ink.extensions import db
from tests.conftest import PASSWORD

NEW_PASSWORD = "a completely new password"


def _login(client, email: str, password: str = PASSWORD, remember: bool = False):  # type: ignore[no-untyped-def]
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def _copy(source, target, names: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, f"no {name} cookie"
        target.set_cookie(name, cookie.value)


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/manage/").status_code == 200


@pytest.mark.parametrize("cookies", [("session",), ("remember_token",), ("session", "remember_token")])
def test_cookies_copied_before_logout_no_longer_work(app, client, factory, cookies) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    assert _login(client, "editor@example.org", remember=True).status_code == 302
    thief = app.test_client()
    _copy(client, thief, cookies)
    assert _signed_in(thief)  # the copy works while the sign-in lasts
    assert client.post("/logout").status_code == 302
    assert not _signed_in(client)
    assert not _signed_in(thief)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0


def test_logging_out_ends_only_that_sign_in(app, client, other_client, factory) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    _login(client, "editor@example.org")
    _login(other_client, "editor@example.org")
    client.post("/logout")
    assert not _signed_in(client) and _signed_in(other_client)


def test_sign_out_everywhere(app, client, other_client, factory) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    _login(client, "editor@example.org")
    _login(other_client, "editor@example.org", remember=True)
    page = client.get("/account").get_data(as_text=True)
    assert "You are signed in on 2 devices or browsers." in page
    response = client.post("/account/sign-out-everywhere", follow_redirects=True)
    assert "You are signed out on every device." in response.get_data(as_text=True)
    assert not _signed_in(client) and not _signed_in(other_client)


def test_a_password_change_asks_the_current_one_and_ends_the_other_sign_ins(app, client, other_client, factory) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    _login(client, "editor@example.org")
    _login(other_client, "editor@example.org")
    form = {"password-current_password": "not my password", "password-password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD}
    response = client.post("/account/password", data=form)
    assert response.status_code == 422 and "That is not your current password." in response.get_data(as_text=True)
    response = client.post("/account/password", data={**form, "password-confirm": "something else entirely"})
    assert response.status_code == 422 and "The two passwords differ." in response.get_data(as_text=True)
    response = client.post("/account/password", data={**form, "password-current_password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in(client) and not _signed_in(other_client)
    client.post("/logout")
    assert _login(client, "editor@example.org").status_code == 422
    assert _login(client, "editor@example.org", NEW_PASSWORD).status_code == 302


def test_the_account_page_changes_name_and_language(client, factory) -> None:  # type: ignore[no-untyped-def]
    user = factory.user("editor@example.org")
    _login(client, "editor@example.org")
    response = client.post("/account/profile", data={"profile-name": "Kari Nordmann", "profile-locale": "nb"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Kontoen din" in response.get_data(as_text=True)  # the page itself is now in Bokmål
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert (stored.name, stored.locale) == ("Kari Nordmann", "nb")
    assert client.post("/account/profile", data={"profile-locale": "xx"}).status_code == 422


def test_a_coordinator_deactivates_and_reactivates_an_account(app, client, other_client, factory) -> None:  # type: ignore[no-untyped-def]
    factory.coordinator()
    editor = factory.user("editor@example.org")
    _login(other_client, "editor@example.org")
    assert other_client.get("/manage/people").status_code == 403  # editors do not see people
    assert other_client.post(f"/manage/people/{editor.id}/deactivate").status_code == 403
    _login(client, "coordinator@example.org")
    page = client.get("/manage/people").get_data(as_text=True)
    assert "editor@example.org" in page and "never" not in page.split("editor@example.org")[1].split("</tr>")[0]
    response = client.post(f"/manage/people/{editor.id}/deactivate", follow_redirects=True)
    assert "is deactivated and signed out everywhere" in response.get_data(as_text=True)
    assert not _signed_in(other_client)  # the open sign-in ended at once
    assert _login(other_client, "editor@example.org").status_code == 422  # and no new one
    client.post(f"/manage/people/{editor.id}/reactivate")
    assert _login(other_client, "editor@example.org").status_code == 302
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
    assert client.post(f"/manage/people/{coordinator.id}/deactivate").status_code == 400  # not oneself
    assert client.post("/manage/people/999999/deactivate").status_code == 404
