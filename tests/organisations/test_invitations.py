"""Invitations end to end through HTTP and the emails the SMTP server received: invite, set a
password, edit the organisation's event; an existing account; re-send, revoke, expiry and every kind
of bad link; limits; who may invite where. No answer tells whether an address has an account."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from ink.events.models import EventSeries
from ink.extensions import db
from ink.organisations.invitations import invite
from ink.organisations.models import Invitation, Membership
from tests.conftest import PASSWORD
from tests.events.manage_helpers import series_form
from tests.organisations.conftest import mail_config
from tests.reminders.conftest import link_in, run_outbox

NEW_PASSWORD = "my own new password"
CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*value="[^"]*"')
FLASH = re.compile(r'<p class="flash[^"]*">([^<]*)</p>')


@pytest.fixture
def app_config(smtp_server, tmp_path):  # type: ignore[no-untyped-def]
    return mail_config(smtp_server, tmp_path)


@pytest.fixture
def network(client, factory, auth):  # type: ignore[no-untyped-def]
    choir = factory.organisation("Choir")
    other = factory.organisation("Chess club")
    factory.coordinator()
    auth.login("coordinator@example.org")
    client.get("/manage/")  # the welcome shown
    return choir, other


def _invite(client, organisation, email: str):  # type: ignore[no-untyped-def]
    return client.post(f"/manage/organisations/{organisation.id}/members", data={"email": email},
                       follow_redirects=True)


def _link(smtp_server, clock, email: str) -> str:  # type: ignore[no-untyped-def]
    run_outbox(clock.now())
    return link_in(smtp_server.handler.to(email)[-1], "/invitations/")


def _members(organisation) -> set[str]:  # type: ignore[no-untyped-def]
    return {m.user.email for m in db.session.scalars(sa.select(Membership).where(
        Membership.organisation_id == organisation.id))}


def test_invite_set_a_password_and_edit_the_organisations_event(app, client, other_client, network, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    choir, _other = network
    series = factory.series(organisation=choir, title="Choir practice")
    page = _invite(client, choir, "Newcomer@Example.org").get_data(as_text=True)
    assert "An invitation is on its way to newcomer@example.org." in page
    assert "newcomer@example.org" in page.split("Pending invitations")[1]  # listed with who sent it
    assert "invited by coordinator@example.org" in page
    path = _link(smtp_server, clock, "newcomer@example.org")
    [email] = smtp_server.handler.to("newcomer@example.org")
    assert email.subject == "You are invited to edit Choir on INK Events"
    assert "coordinator@example.org invites you to become an editor of Choir" in email.text
    page = other_client.get(path).get_data(as_text=True)
    assert "Create my account" in page and "Sign in to accept" in page
    bad = other_client.post(path, data={"name": "Nina", "password": "short", "confirm": "short"})
    assert bad.status_code == 422
    response = other_client.post(path, data={"name": "Nina", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert _members(choir) == {"newcomer@example.org"}
    edit = other_client.post(f"/manage/series/{series.id}/edit",
                             data=series_form(choir, title="Choir practice, all voices"))
    assert edit.status_code == 302, edit.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(EventSeries, series.id).title == "Choir practice, all voices"
    used = app.test_client().get(path)
    assert used.status_code == 410 and "already been accepted" in used.get_data(as_text=True)
    # No longer pending on the members page.
    assert "newcomer@example.org" not in client.get(f"/manage/organisations/{choir.id}/members") \
        .get_data(as_text=True).split("Pending invitations")[1]


def test_an_existing_account_accepts_after_signing_in_and_nothing_tells_it_has_one(app, client, other_client, network, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    choir, other = network
    factory.user("member@example.org", editor_of=[other])
    answers = []
    for email in ("member@example.org", "stranger@example.org"):
        response = _invite(client, choir, email)
        answers.append((response.status_code, FLASH.findall(response.get_data(as_text=True).replace(email, "ADDRESS"))))
    assert answers[0] == answers[1] == (200, ["An invitation is on its way to ADDRESS."])  # the same answer
    known, unknown = _link(smtp_server, clock, "member@example.org"), _link(smtp_server, clock, "stranger@example.org")
    pages = [CSRF_VALUE.sub("", other_client.get(path).get_data(as_text=True)).replace(email, "ADDRESS").replace(path, "LINK")
             for path, email in ((known, "member@example.org"), (unknown, "stranger@example.org"))]
    assert pages[0] == pages[1]
    # Making an account for the address that has one: nothing is made, a neutral answer.
    response = other_client.post(known, data={"name": "Impostor", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 200 and "No new account was made" in response.get_data(as_text=True)
    assert "member@example.org" not in _members(choir)
    assert other_client.get("/manage/").status_code == 302  # not signed in
    # Sign in (the link's "sign in" comes back to the invitation), then accept.
    login = other_client.post("/login", data={"email": "member@example.org", "password": PASSWORD, "next": known})
    assert login.headers["Location"].endswith(known)
    assert "Accept and become an editor" in other_client.get(known).get_data(as_text=True)
    assert other_client.post(known + "/accept").status_code == 302
    assert "member@example.org" in _members(choir)
    assert other_client.post(known + "/accept").status_code == 410  # once


def test_resend_revoke_expiry_and_bad_links(app, client, other_client, network, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    choir, _other = network
    _invite(client, choir, "nina@example.org")
    first = _link(smtp_server, clock, "nina@example.org")
    invitation = db.session.scalar(sa.select(Invitation))
    assert client.post(f"/manage/organisations/{choir.id}/invitations/{invitation.id}/resend").status_code == 302
    second = _link(smtp_server, clock, "nina@example.org")
    assert len(smtp_server.handler.to("nina@example.org")) == 2 and first != second
    replaced = other_client.get(first)
    assert replaced.status_code == 410 and "A newer invitation email replaced this one" in replaced.get_data(as_text=True)
    assert other_client.get(second).status_code == 200
    token = second.rsplit("/", 1)[1]
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    payload = {"i": invitation.id, "n": "0" * 32, "x": int(clock.now().timestamp()) + 3600}
    forged = URLSafeSerializer("not-the-secret-key", salt="ink.organisations.invitation").dumps(payload)
    crossed = URLSafeSerializer(app.config["SECRET_KEY"], salt="ink.auth.password-reset").dumps(payload)
    for bad in (tampered, forged, crossed, "nonsense"):
        response = other_client.get(f"/invitations/{bad}")
        assert response.status_code == 400 and "This invitation link is not valid" in response.get_data(as_text=True)
    assert other_client.get(f"/password/reset/{token}").status_code == 400  # an invitation is no reset link
    clock.advance(days=7, seconds=1)
    expired = other_client.get(second)
    assert expired.status_code == 410 and "This invitation has expired" in expired.get_data(as_text=True)
    assert "expired" in client.get(f"/manage/organisations/{choir.id}/members").get_data(as_text=True)
    client.post(f"/manage/organisations/{choir.id}/invitations/{invitation.id}/resend")  # a fresh week
    third = _link(smtp_server, clock, "nina@example.org")
    assert other_client.get(third).status_code == 200
    assert client.post(f"/manage/organisations/{choir.id}/invitations/{invitation.id}/revoke").status_code == 302
    revoked = other_client.get(third)
    assert revoked.status_code == 410 and "This invitation was withdrawn" in revoked.get_data(as_text=True)
    assert other_client.post(third, data={"name": "N", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 410
    assert _members(choir) == set()


def test_a_revoked_invitation_is_not_sent(client, network, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    choir, _other = network
    _invite(client, choir, "nina@example.org")
    invitation = db.session.scalar(sa.select(Invitation))
    client.post(f"/manage/organisations/{choir.id}/invitations/{invitation.id}/revoke")
    run_outbox(clock.now())
    assert smtp_server.handler.to("nina@example.org") == []


def test_invitations_to_one_address_are_limited_and_the_limit_lifts(client, network, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    choir, _other = network
    statuses = [_invite(client, choir, "nina@example.org").status_code for _ in range(3)]
    invitation = db.session.scalar(sa.select(Invitation))
    resend = client.post(f"/manage/organisations/{choir.id}/invitations/{invitation.id}/resend")
    assert statuses == [200, 200, 200] and resend.status_code == 429
    assert "Too many attempts" in resend.get_data(as_text=True)
    assert client.post(f"/manage/organisations/{choir.id}/members", data={"email": "nina@example.org"}).status_code == 429
    clock.advance(days=1)
    assert client.post(f"/manage/organisations/{choir.id}/invitations/{invitation.id}/resend").status_code == 302


def test_editors_invite_to_their_own_organisation_only(app, client, factory, auth, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    choir, other = factory.organisation("Choir"), factory.organisation("Chess club")
    factory.coordinator()
    factory.user("editor@example.org", editor_of=[choir])
    foreign = invite(other, "someone@example.org", invited_by=None, now=clock.now())
    db.session.commit()
    foreign_id = foreign.id
    auth.login("editor@example.org")
    assert _invite(client, choir, "friend@example.org").status_code == 200
    assert client.post(f"/manage/organisations/{other.id}/members", data={"email": "x@example.org"}).status_code == 403
    assert client.get(f"/manage/organisations/{other.id}/members").status_code == 403
    for action in ("resend", "revoke"):
        assert client.post(f"/manage/organisations/{other.id}/invitations/{foreign_id}/{action}").status_code == 403
        # Nor through their own organisation's address.
        assert client.post(f"/manage/organisations/{choir.id}/invitations/{foreign_id}/{action}").status_code == 404
    assert db.session.get(Invitation, foreign_id).is_pending
    app.config["EDITORS_MAY_INVITE"] = False
    assert client.post(f"/manage/organisations/{choir.id}/members", data={"email": "y@example.org"}).status_code == 403
    assert "Invite an editor" not in client.get(f"/manage/organisations/{choir.id}/members").get_data(as_text=True)


def test_the_network_invites_in_the_language_it_is_told(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    choir = factory.organisation("Choir")
    invite(choir, "ny@example.org", invited_by=None, now=clock.now(), locale="nb")
    db.session.commit()
    run_outbox(clock.now())
    [email] = smtp_server.handler.to("ny@example.org")
    assert "nettverket" in email.text.lower() and "Choir" in email.subject
    assert "/invitations/" in link_in(email, "/invitations/")
