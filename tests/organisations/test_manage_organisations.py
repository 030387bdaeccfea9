"""Organisation screens: coordinators manage all and their editors; editors edit their own profile only."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ink.extensions import db
from ink.organisations.models import Invitation, Membership, Organisation, OrganisationStatus
from ink.organisations.service import get_organisation, organisations_query


def _org(slug: str) -> Organisation:
    db.session.expire_all()
    return db.session.scalars(sa.select(Organisation).where(Organisation.slug == slug)).one()


@pytest.fixture
def coordinator(factory, auth):  # type: ignore[no-untyped-def]
    factory.coordinator()
    auth.login("coordinator@example.org")


def test_coordinator_creates_an_active_organisation(client, coordinator, factory):
    topics = factory.topics()
    response = client.post("/manage/organisations/new", data={
        "name": "Polish Association", "description": "Culture and language", "website": "https://polska.example.org",
        "contact_email": "post@polska.example.org", "languages": ["pl", "nb"], "topics": [str(topics[0].id)]})
    assert response.status_code == 302
    org = _org("polish-association")
    assert org.status == OrganisationStatus.ACTIVE
    assert org.languages == ["nb", "pl"] and [t.id for t in org.topics] == [topics[0].id]
    assert org.website == "https://polska.example.org"


def test_coordinator_sets_the_slug_and_clashes_are_field_errors(client, coordinator, factory):
    factory.organisation("Taken", slug="taken")
    response = client.post("/manage/organisations/new", data={"name": "Other", "slug": "taken"})
    assert response.status_code == 422
    assert 'id="slug-errors"' in response.get_data(as_text=True)
    response = client.post("/manage/organisations/new", data={"name": "Other", "slug": "Not a slug!"})
    assert response.status_code == 422


@pytest.mark.parametrize(("data", "field"), [
    ({"name": ""}, "name"),
    ({"name": "x" * 161}, "name"),
    ({"name": "A", "website": "javascript:alert(1)"}, "website"),
    ({"name": "A", "website": "ftp://files.example.org"}, "website"),
    ({"name": "A", "contact_email": "not-an-email"}, "contact_email"),
    ({"name": "A", "contact_phone": "1" * 41}, "contact_phone"),
    ({"name": "A", "languages": ["zz-unknown"]}, "languages"),
    ({"name": "A", "topics": ["424242"]}, "topics"),
    ({"name": "A", "description": "x" * 10_001}, "description"),
])
def test_bad_organisation_input(client, coordinator, data, field):
    response = client.post("/manage/organisations/new", data=data)
    assert response.status_code == 422
    assert f'id="{field}-errors"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 0


def test_editor_edits_profile_but_not_slug_or_status(client, auth, factory):
    org = factory.organisation("Kite Club", status=OrganisationStatus.PENDING)
    factory.user("kite@example.org", editor_of=[org])
    auth.login("kite@example.org")
    page = client.get(f"/manage/organisations/{org.id}/edit").get_data(as_text=True)
    assert 'name="slug"' not in page and "Archive" not in page
    response = client.post(f"/manage/organisations/{org.id}/edit", data={
        "name": "Kite Club Oslo", "description": "We fly kites", "slug": "hijacked", "status": "active"})
    assert response.status_code == 302
    org = _org("kite-club")
    assert org.name == "Kite Club Oslo" and org.description == "We fly kites"
    assert org.status == OrganisationStatus.PENDING


def test_approve_and_archive(client, coordinator, factory):
    org = factory.organisation("Newcomers", status=OrganisationStatus.PENDING)
    listing = client.get("/manage/organisations/?status=pending").get_data(as_text=True)
    assert "Newcomers" in listing
    client.post(f"/manage/organisations/{org.id}/approve", data={"back": "list"}, follow_redirects=True)
    assert _org(org.slug).status == OrganisationStatus.ACTIVE
    client.post(f"/manage/organisations/{org.id}/archive", follow_redirects=True)
    assert _org(org.slug).status == OrganisationStatus.ARCHIVED
    assert "Newcomers" not in client.get("/manage/organisations/?status=active").get_data(as_text=True)


def test_memberships(client, coordinator, factory):
    """The members page invites (the same answer whether or not the address has an account; twice
    keeps one pending invitation); a coordinator removes an editor."""
    org = factory.organisation("Choir")
    singer = factory.user("singer@example.org", editor_of=[org])
    answers = []
    for email in ("  Newcomer@Example.org ", "newcomer@example.org", "singer@example.org"):
        response = client.post(f"/manage/organisations/{org.id}/members", data={"email": email}, follow_redirects=True)
        answers.append(response.get_data(as_text=True).replace(email.strip().lower(), "ADDRESS"))
    assert "An invitation is on its way to ADDRESS." in answers[0]
    assert answers[0].count("An invitation is on its way") == 1
    assert len(db.session.scalars(sa.select(Invitation).where(Invitation.email == "newcomer@example.org")).all()) == 1
    response = client.post(f"/manage/organisations/{org.id}/members", data={"email": "not an address"})
    assert response.status_code == 422
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == singer.id))
    client.post(f"/manage/organisations/{org.id}/members/{membership.id}/remove")
    assert db.session.scalar(sa.select(sa.func.count(Membership.id))) == 0


def test_list_pagination_and_queries(client, coordinator, factory):
    for n in range(3):
        factory.organisation(f"Org {n}")
    assert client.get("/manage/organisations/?page=abc&status=bogus").status_code == 200
    assert len(list(db.session.scalars(organisations_query(status=OrganisationStatus.ACTIVE)))) == 3
    first = db.session.scalars(organisations_query()).first()
    assert get_organisation(first.id) is first
