"""Organisations joining (issue 10): /join → the applicant confirms by email → a coordinator approves
(the organisation is active, the applicant its first editor) or declines with a message; all through
HTTP and the emails the SMTP server received."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ink.extensions import db
from ink.organisations.models import ApplicationStatus, Membership, Organisation, OrganisationApplication, OrganisationStatus
from tests.organisations.conftest import mail_config, apply
from tests.conftest import PASSWORD
from tests.reminders.conftest import link_in, run_outbox

NEW_PASSWORD = "a long and new password 42"



@pytest.fixture
def app_config(smtp_server, tmp_path):  # type: ignore[no-untyped-def]
    return mail_config(smtp_server, tmp_path)


def _applications() -> list[OrganisationApplication]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OrganisationApplication).order_by(OrganisationApplication.id)))


def _confirm_by_email(client, smtp_server, clock, address: str = "ingrid@example.org") -> str:  # type: ignore[no-untyped-def]
    run_outbox(clock.now())
    [message] = [m for m in smtp_server.handler.to(address) if "Confirm" in m.subject or "Bekreft" in m.subject]
    path = link_in(message, "/join/confirm/")
    page = client.get(path)
    assert page.status_code == 200 and "Nordic Choir" in page.get_data(as_text=True)
    assert _applications()[-1].status == ApplicationStatus.UNCONFIRMED  # opening the link changes nothing
    response = client.post(path)
    assert response.status_code == 302 and response.headers["Location"].endswith("/join/confirmed")
    return path


def test_join_confirm_approve_then_the_applicant_edits_their_organisation(client, factory, auth, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    topics = factory.topics()
    factory.coordinator()
    response = apply(client, clock, topics=[str(topics[0].id)])
    assert response.status_code == 302 and response.headers["Location"].endswith("/join/sent")
    [application] = _applications()
    assert application.is_unconfirmed and application.topic_ids == [topics[0].id]

    # Not yet confirmed: the coordinators see nothing and hear nothing.
    auth.login("coordinator@example.org")
    assert "Nordic Choir" not in client.get("/manage/applications/").get_data(as_text=True)
    assert client.get(f"/manage/applications/{application.id}").status_code == 404
    auth.logout()

    _confirm_by_email(client, smtp_server, clock)
    run_outbox(clock.now())
    [told] = [m for m in smtp_server.handler.to("coordinator@example.org") if "Nordic Choir" in m.subject]
    queue_path = link_in(told, "/manage/applications/")

    auth.login("coordinator@example.org")
    page = client.get(queue_path)
    assert page.status_code == 200 and "ingrid@example.org" in page.get_data(as_text=True)
    response = client.post(f"{queue_path}/approve", data={"name": "Nordic Choir", "slug": ""})
    assert response.status_code == 302
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Nordic Choir"))
    assert organisation.status == OrganisationStatus.ACTIVE and organisation.slug == "nordic-choir"
    assert organisation.website == "https://choir.example.org" and organisation.languages == ["en", "nb"]
    assert [topic.id for topic in organisation.topics] == [topics[0].id]
    assert _applications()[0].is_approved
    auth.logout()

    run_outbox(clock.now())
    [approved] = [m for m in smtp_server.handler.to("ingrid@example.org") if "joined" in m.subject]
    assert "first editor" in approved.text
    assert client.get(link_in(approved, "/organisations/nordic-choir")).status_code == 200  # public at once
    # The network's invitation: the applicant chooses a password and lands signed in as its editor.
    [invitation] = [m for m in smtp_server.handler.to("ingrid@example.org") if "invited" in m.subject]
    path = link_in(invitation, "/invitations/")
    response = client.post(path, data={"name": "Ingrid", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    edit = client.post(f"/manage/organisations/{organisation.id}/edit", data={
        "name": "Nordic Choir", "description": "We sing in five languages.", "version": str(organisation.version)})
    assert edit.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).description == "We sing in five languages."
    assert {m.user.email for m in db.session.get(Organisation, organisation.id).memberships} == {"ingrid@example.org"}


def test_an_existing_account_gains_the_membership_and_the_emails_do_not_tell(client, factory, auth, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.coordinator()
    applicant = factory.user("ingrid@example.org")
    apply(client, clock)
    _confirm_by_email(client, smtp_server, clock)
    auth.login("coordinator@example.org")
    application = _applications()[0]
    response = client.post(f"/manage/applications/{application.id}/approve", data={"name": "Nordic Choir"},
                           follow_redirects=True)
    assert "the applicant is told by email" in response.get_data(as_text=True)
    auth.logout()
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Nordic Choir"))
    run_outbox(clock.now())
    subjects = sorted(smtp_server.handler.subjects("ingrid@example.org"))
    # The same two emails as for a newcomer (the confirmation aside): nothing says the address has an account.
    assert subjects == sorted(["Confirm the application of Nordic Choir", "Nordic Choir has joined the INK network",
                               "You are invited to edit Nordic Choir on INK Events"])
    [invitation] = [m for m in smtp_server.handler.to("ingrid@example.org") if "invited" in m.subject]
    path = link_in(invitation, "/invitations/")
    login = client.post("/login", data={"email": "ingrid@example.org", "password": PASSWORD, "next": path})
    assert login.headers["Location"].endswith(path)
    assert client.post(path + "/accept").status_code == 302
    assert db.session.scalar(sa.select(Membership).where(Membership.user_id == applicant.id,
                                                         Membership.organisation_id == organisation.id))


def test_decline_with_a_message_the_applicant_receives_quoted(client, factory, auth, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.coordinator()
    apply(client, clock)
    _confirm_by_email(client, smtp_server, clock)
    application = _applications()[0]
    auth.login("coordinator@example.org")
    empty = client.post(f"/manage/applications/{application.id}/decline", data={"message": ""})
    assert empty.status_code == 422  # a message is required
    response = client.post(f"/manage/applications/{application.id}/decline",
                           data={"message": "You are not based in our city.\nTalk to your own network."})
    assert response.status_code == 302
    assert _applications()[0].is_declined
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
    # Decided once: approving afterwards is refused.
    assert client.post(f"/manage/applications/{application.id}/approve", data={"name": "Nordic Choir"}).status_code == 409
    run_outbox(clock.now())
    [declined] = [m for m in smtp_server.handler.to("ingrid@example.org") if "application" in m.subject.lower()
                  and "Confirm" not in m.subject]
    assert "> You are not based in our city.\n> Talk to your own network." in declined.text.replace("\r\n", "\n")


def test_the_queue_is_for_coordinators_only(client, factory, auth, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Kafé")
    factory.user("editor@example.org", editor_of=[organisation])
    apply(client, clock)
    _confirm_by_email(client, smtp_server, clock)
    application = _applications()[0]
    auth.login("editor@example.org")
    assert client.get("/manage/applications/").status_code == 403
    assert client.get(f"/manage/applications/{application.id}").status_code == 403
    assert client.post(f"/manage/applications/{application.id}/approve", data={"name": "X"}).status_code == 403
    assert client.post(f"/manage/applications/{application.id}/decline", data={"message": "no"}).status_code == 403
    assert _applications()[0].is_waiting
    auth.logout()
    assert client.get("/manage/applications/").status_code == 302  # to the sign-in page


def test_duplicate_names_and_addresses_are_field_errors(client, factory, auth, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.organisation("Nordic Choir", slug="choir")
    factory.organisation("Other", slug="sami-songs")
    factory.coordinator()
    response = apply(client, clock, name="nordic choir")
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)
    response = apply(client, clock, name="Sami Songs")  # its address (sami-songs) is taken
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)
    assert _applications() == []

    apply(client, clock, name="Youth Choir")
    _confirm_by_email_named(client, smtp_server, clock, "Youth Choir")
    application = _applications()[0]
    auth.login("coordinator@example.org")
    taken_slug = client.post(f"/manage/applications/{application.id}/approve", data={"name": "Youth Choir", "slug": "choir"})
    assert taken_slug.status_code == 422 and "already uses that address" in taken_slug.get_data(as_text=True)
    taken_name = client.post(f"/manage/applications/{application.id}/approve", data={"name": "Nordic Choir"})
    assert taken_name.status_code == 422 and "already exists" in taken_name.get_data(as_text=True)
    assert _applications()[0].is_waiting


def _confirm_by_email_named(client, smtp_server, clock, name: str) -> None:  # type: ignore[no-untyped-def]
    run_outbox(clock.now())
    [message] = [m for m in smtp_server.handler.to("ingrid@example.org") if name in m.subject]
    assert client.post(link_in(message, "/join/confirm/")).status_code == 302


def test_invalid_input_is_shown_again_with_field_errors(client, clock) -> None:  # type: ignore[no-untyped-def]
    response = apply(client, clock, name="", applicant_email="not-an-address", website="ftp://x")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter a valid email address." in html and "http:// or https://" in html
    assert _applications() == []
