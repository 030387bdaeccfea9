"""Forgotten password and email change, end to end through HTTP and the emails the SMTP server
received: the same answer whatever the address, single-use expiring links, limits reached and lifted."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from ink.auth.models import User
from ink.extensions import db
from tests.auth.conftest import mail_config
from tests.conftest import PASSWORD
from tests.reminders.conftest import link_in, run_outbox

NEW_PASSWORD = "a completely new password"
SAME_ANSWER = "we have sent it a link to choose a new password"
CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*value="[^"]*"')


@pytest.fixture
def app_config(smtp_server, tmp_path):  # type: ignore[no-untyped-def]
    return mail_config(smtp_server, tmp_path)


def page_text(response, *addresses: str) -> str:  # type: ignore[no-untyped-def]
    """A page as compared between two answers: without its CSRF tokens (they carry the time) and addresses."""
    text = CSRF_VALUE.sub("", response.get_data(as_text=True))
    for address in addresses:
        text = text.replace(address, "ADDRESS")
    return text


def _forgot(client, email: str) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/password/forgot", data={"email": email}, follow_redirects=True)
    assert response.status_code == 200
    return page_text(response, email)


def _reset_link(smtp_server, clock, email: str) -> str:  # type: ignore[no-untyped-def]
    run_outbox(clock.now())
    return link_in(smtp_server.handler.to(email)[-1], "/password/reset/")


def test_reset_end_to_end(app, client, other_client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    other_client.post("/login", data={"email": "editor@example.org", "password": PASSWORD})
    assert "/password/forgot" in client.get("/login").get_data(as_text=True)
    known, unknown = _forgot(client, "editor@example.org"), _forgot(client, "nobody@example.org")
    assert SAME_ANSWER in known and known == unknown  # the same answer whether or not the address exists
    path = _reset_link(smtp_server, clock, "editor@example.org")
    assert [r.rcpt_tos for r in smtp_server.received] == [["editor@example.org"]]  # nothing to the unknown one
    [message] = smtp_server.received
    assert message.subject == "Choose a new password for INK Events"
    assert "https://ink.example.org/password/reset/" in message.text  # built from BASE_URL
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "short", "confirm": "short"})
    assert response.status_code == 422
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/manage/").status_code == 200  # signed in here
    assert other_client.get("/manage/").status_code == 302  # every other sign-in ended
    reused = client.get(path)
    assert reused.status_code == 410 and "already used" in reused.get_data(as_text=True)
    client.post("/logout")
    assert client.post("/login", data={"email": "editor@example.org", "password": PASSWORD}).status_code == 422
    assert client.post("/login", data={"email": "editor@example.org", "password": NEW_PASSWORD}).status_code == 302


def test_only_the_newest_reset_link_works_and_links_expire(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    _forgot(client, "editor@example.org")
    first = _reset_link(smtp_server, clock, "editor@example.org")
    _forgot(client, "editor@example.org")
    second = _reset_link(smtp_server, clock, "editor@example.org")
    assert first != second
    assert client.get(first).status_code == 410  # replaced by the newer one
    assert client.get(second).status_code == 200
    clock.advance(minutes=61)
    expired = client.get(second)
    assert expired.status_code == 410 and "This link has expired." in expired.get_data(as_text=True)


def test_forged_tampered_and_crossed_tokens_are_refused(app, client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    user = factory.user("editor@example.org")
    _forgot(client, "editor@example.org")
    path = _reset_link(smtp_server, clock, "editor@example.org")
    token = path.rsplit("/", 1)[1]
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    db.session.expire_all()
    nonce = db.session.get(User, user.id).password_reset_nonce
    payload = {"u": user.id, "n": nonce, "x": int(clock.now().timestamp()) + 3600}
    forged = URLSafeSerializer("not-the-secret-key", salt="ink.auth.password-reset").dumps(payload)
    crossed = URLSafeSerializer(app.config["SECRET_KEY"], salt="ink.auth.email-change").dumps(payload)
    for bad in (tampered, forged, crossed, "nonsense", "x" * 3000):
        response = client.get(f"/password/reset/{bad}")
        assert response.status_code == 400, bad
        assert "This link is not valid." in response.get_data(as_text=True)
        assert client.post(f"/password/reset/{bad}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 400
    # The reset token does not open the email-change or invitation pages either.
    assert client.get(f"/account/email/confirm/{token}").status_code == 400
    assert client.get(f"/invitations/{token}").status_code == 400
    assert client.get(path).status_code == 200  # the genuine one still works


def test_reset_requests_are_limited_per_address_and_refusals_look_the_same(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    answers = {_forgot(client, "editor@example.org") for _ in range(5)}
    assert len(answers) == 1  # refused requests get the same answer...
    run_outbox(clock.now())
    assert len(smtp_server.handler.to("editor@example.org")) == 1  # ...and send nothing (3 per hour; each replaces the last)
    clock.advance(hours=1)
    _forgot(client, "editor@example.org")
    run_outbox(clock.now())
    assert len(smtp_server.handler.to("editor@example.org")) == 2  # lifted after the window


def test_reset_requests_are_limited_per_client(app, client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    app.config["RATELIMITS"] = {**app.config["RATELIMITS"], "password-reset-client": (2, 3600)}
    factory.user("editor@example.org")
    _forgot(client, "one@example.org")
    _forgot(client, "two@example.org")
    _forgot(client, "editor@example.org")  # a third from this client: refused, nothing sent
    run_outbox(clock.now())
    assert smtp_server.received == []
    clock.advance(hours=1)
    _forgot(client, "editor@example.org")
    run_outbox(clock.now())
    assert len(smtp_server.handler.to("editor@example.org")) == 1


def test_email_change_end_to_end(client, other_client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    user = factory.user("old@example.org")
    client.post("/login", data={"email": "old@example.org", "password": PASSWORD})
    form = {"email-email": "New@Example.org", "email-password": "not my password"}
    assert client.post("/account/email", data=form).status_code == 422
    response = client.post("/account/email", data={**form, "email-password": PASSWORD}, follow_redirects=True)
    assert "We have sent a link to new@example.org." in response.get_data(as_text=True)
    run_outbox(clock.now())
    [confirmation] = smtp_server.handler.to("new@example.org")
    assert confirmation.subject == "Confirm your new email address for INK Events"
    path = link_in(confirmation, "/account/email/confirm/")
    assert client.get(path).status_code == 200  # a preview changes nothing
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "old@example.org"
    assert other_client.post(path).status_code == 302  # the link is the proof, from any browser
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "new@example.org"
    run_outbox(clock.now())
    [told] = smtp_server.handler.to("old@example.org")
    assert told.subject == "The email address of your INK Events account was changed"
    assert "new@example.org" in told.text
    assert client.post(path).status_code == 410  # used up
    client.post("/logout")
    assert client.post("/login", data={"email": "new@example.org", "password": PASSWORD}).status_code == 302


def test_an_email_change_to_a_taken_address_answers_the_same_and_sends_nothing(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.user("me@example.org")
    factory.user("taken@example.org")
    client.post("/login", data={"email": "me@example.org", "password": PASSWORD}, follow_redirects=True)
    answers = []
    for email in ("taken@example.org", "free@example.org"):
        response = client.post("/account/email", data={"email-email": email, "email-password": PASSWORD},
                               follow_redirects=True)
        answers.append(page_text(response, email))
    assert answers[0] == answers[1]
    run_outbox(clock.now())
    assert [r.rcpt_tos for r in smtp_server.received] == [["free@example.org"]]


def test_email_changes_are_limited_per_address(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.user("me@example.org")
    client.post("/login", data={"email": "me@example.org", "password": PASSWORD})
    data = {"email-email": "victim@example.org", "email-password": PASSWORD}
    assert [client.post("/account/email", data=data).status_code for _ in range(4)] == [302, 302, 302, 429]
    clock.advance(hours=1)
    assert client.post("/account/email", data=data).status_code == 302
