"""Authorisation matrix of every manage route, and CSRF on the manage forms.

For every route and object: anonymous visitors are sent to the login page; an editor of ANOTHER
organisation gets 403 and the database does not change; the right editor and a coordinator get
through (coordinator-only routes give the editor 403 too). Missing objects are 404.
"""
from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from ink.events.models import EventSeries, Occurrence, SeriesStatus
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.organisations.invitations import invite
from ink.organisations.models import Membership, OrganisationStatus
from tests.events.manage_helpers import series_form
from tests.pictures.conftest import image_bytes


class World:
    """Two organisations, their editors, a coordinator, and objects belonging to organisation A."""

    def __init__(self, factory: Any) -> None:
        self.org_a = factory.organisation("Org A")
        self.org_b = factory.organisation("Org B")
        self.pending = factory.organisation("Newcomers", status=OrganisationStatus.PENDING)
        self.editor_a = factory.user("a@example.org", editor_of=[self.org_a])
        self.editor_b = factory.user("b@example.org", editor_of=[self.org_b])
        self.coordinator = factory.coordinator()
        self.spare = factory.user("spare@example.org")
        self.venue = factory.venue("Library hall")
        self.series = factory.series(organisation=self.org_a, title="Café", start_local=datetime(2026, 6, 2, 17, 0),
                                     recurrence=Recurrence(freq="weekly", weekdays=(1,)), duration_minutes=120,
                                     status=SeriesStatus.PUBLISHED)
        self.occurrence = db.session.scalars(
            sa.select(Occurrence).where(Occurrence.series_id == self.series.id)
            .order_by(Occurrence.original_start_at).offset(1).limit(1)).one()
        self.membership = db.session.scalars(
            sa.select(Membership).where(Membership.user_id == self.editor_a.id)).one()
        # Org B names org A as co-organiser: org A's editors (and coordinators) answer.
        self.named = factory.series(organisation=self.org_b, title="Joint picnic", coorganisers=[self.org_a],
                                    coorganisers_accepted=False)
        self.invitation = invite(self.org_a, "invitee@example.org", invited_by=None, now=factory.clock.now())
        db.session.commit()
        self.ids = {
            "series": self.series.id, "occurrence": self.occurrence.id, "org": self.org_a.id,
            "pending": self.pending.id, "venue": self.venue.id, "membership": self.membership.id,
        }


# (method, path, who may: "series"/"org" = editors of org A and coordinators; "coord" = coordinators only,
#  form data or None)
def _routes(w: World) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    s, o, org, v = w.series.id, w.occurrence.id, w.org_a.id, w.venue.id
    return [
        ("GET", f"/manage/series/{s}", "series", None),
        ("GET", f"/manage/series/{s}/edit", "series", None),
        ("POST", f"/manage/series/{s}/edit", "series", series_form(w.org_a, title="Changed", date="2026-06-02", weekdays=["1"])),
        ("POST", f"/manage/series/{s}/unpublish", "series", {}),
        ("POST", f"/manage/series/{s}/publish", "series", {}),
        ("GET", f"/manage/series/{s}/cancel", "series", None),
        ("POST", f"/manage/series/{s}/cancel", "series", {"reason": "Gone", "confirmed": "yes"}),
        ("POST", f"/manage/series/{s}/restore", "series", {}),
        ("GET", f"/manage/series/{s}/picture", "series", None),
        ("POST", f"/manage/series/{s}/picture", "series", _picture_upload()),
        ("GET", f"/manage/occurrences/{o}", "series", None),
        ("POST", f"/manage/occurrences/{o}/cancel", "series", {"reason": "Closed", "confirmed": "yes"}),
        ("POST", f"/manage/occurrences/{o}/restore", "series", {}),
        ("POST", f"/manage/occurrences/{o}/move", "series",
         {"date": "2026-06-10", "start_time": "18:00", "end_time": "19:00", "note": "x"}),
        ("GET", f"/manage/organisations/{org}/edit", "org", None),
        ("POST", f"/manage/organisations/{org}/edit", "org", {"name": "Org A renamed", "description": "Hi"}),
        ("POST", f"/manage/organisations/{w.pending.id}/approve", "coord", {}),
        ("POST", f"/manage/organisations/{org}/archive", "coord", {}),
        ("POST", f"/manage/organisations/{org}/moderation", "coord", {"moderation": "reviewed"}),
        ("GET", f"/manage/organisations/{org}/logo", "org", None),
        ("POST", f"/manage/organisations/{org}/logo", "org", _picture_upload()),
        ("GET", f"/manage/organisations/{org}/members", "org", None),
        ("POST", f"/manage/organisations/{org}/members", "org", {"email": "spare@example.org"}),
        ("POST", f"/manage/organisations/{org}/invitations/{w.invitation.id}/resend", "org", {}),
        ("POST", f"/manage/organisations/{org}/invitations/{w.invitation.id}/revoke", "org", {}),
        ("POST", f"/manage/organisations/{org}/members/{w.membership.id}/remove", "coord", {}),
        ("GET", "/manage/organisations/new", "coord", None),
        ("POST", "/manage/organisations/new", "coord", {"name": "Brand new"}),
        ("GET", "/manage/venues/", "coord", None),
        ("GET", "/manage/venues/new", "coord", None),
        ("POST", "/manage/venues/new", "coord", {"name": "New hall"}),
        ("GET", f"/manage/venues/{v}/edit", "coord", None),
        ("POST", f"/manage/venues/{v}/edit", "coord", {"name": "Renamed hall", "capacity": "40"}),
        ("POST", f"/manage/coorganising/{w.named.id}/{org}/accept", "org", {}),
        ("POST", f"/manage/coorganising/{w.named.id}/{org}/decline", "org", {}),
    ]


ROUTE_COUNT = 35
# Publishing a published series or restoring what is not cancelled is accepted and changes nothing.
NO_OP_IN_THIS_WORLD = ("/publish", "/restore")
OPEN_ROUTES = [  # any signed-in user; contents filtered by role
    ("GET", "/manage/"), ("GET", "/manage/series/"), ("GET", "/manage/organisations/"),
    ("GET", "/manage/series/new"),
]


def _picture_upload() -> dict[str, Any]:
    return {"picture": (io.BytesIO(image_bytes((400, 300))), "photo.jpg"), "alt_text": "A table"}


@pytest.fixture
def app_config(tmp_path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"PICTURES_DIR": str(tmp_path / "pictures")}


@pytest.fixture
def world(factory) -> World:  # type: ignore[no-untyped-def]
    return World(factory)


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, to prove a refused request changed nothing."""
    db.session.expire_all()
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(sa.select(table)))
        for table in db.metadata.sorted_tables if table.name != "user"
    }


def _send(client, method: str, path: str, data: dict[str, Any] | None):  # type: ignore[no-untyped-def]
    return client.get(path) if method == "GET" else client.post(path, data=data or {})


@pytest.mark.parametrize("index", range(ROUTE_COUNT))
def test_anonymous_is_sent_to_login(client, world, index):
    method, path, _, data = _routes(world)[index]
    before = snapshot()
    response = _send(client, method, path, data)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert snapshot() == before


@pytest.mark.parametrize("index", range(ROUTE_COUNT))
def test_editor_of_another_organisation_gets_403_and_nothing_changes(client, auth, world, index):
    method, path, _, data = _routes(world)[index]
    auth.login("b@example.org")
    before = snapshot()
    response = _send(client, method, path, data)
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("index", range(ROUTE_COUNT))
def test_right_editor(client, auth, world, index):
    method, path, who, data = _routes(world)[index]
    auth.login("a@example.org")
    before = snapshot()
    response = _send(client, method, path, data)
    if who == "coord":
        assert response.status_code == 403
        assert snapshot() == before
    else:
        assert response.status_code in (200, 302), response.get_data(as_text=True)[:2000]
        if method == "POST" and not path.endswith(NO_OP_IN_THIS_WORLD):
            assert snapshot() != before


@pytest.mark.parametrize("index", range(ROUTE_COUNT))
def test_coordinator(client, auth, world, index):
    method, path, _, data = _routes(world)[index]
    auth.login("coordinator@example.org")
    before = snapshot()
    response = _send(client, method, path, data)
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:2000]
    if method == "POST" and not path.endswith(NO_OP_IN_THIS_WORLD):
        assert snapshot() != before


def test_route_table_is_complete(app, world):
    """Every events/organisations manage rule with an id is in the matrix (a new route must be added
    to it). Higher domains keep their own matrices (tests/attendance, tests/reminders)."""
    listed = {re.sub(r"\d+", "<id>", path) for _, path, _, _ in _routes(world)}
    assert len(_routes(world)) == ROUTE_COUNT
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in ("events", "organisations") and "<" in rule.rule:
            assert re.sub(r"<[^>]+>", "<id>", rule.rule) in listed, rule.rule


@pytest.mark.parametrize(("method", "path"), OPEN_ROUTES)
def test_open_routes_need_login_only(client, auth, world, method, path):
    assert "/login" in _send(client, method, path, None).headers["Location"]
    auth.login("b@example.org")
    assert _send(client, method, path, None).status_code == 200


def test_lists_show_only_the_editors_own_things(client, auth, world, factory):
    factory.series(organisation=world.org_b, title="B's own event")
    auth.login("b@example.org")
    series_page = client.get("/manage/series/").get_data(as_text=True)
    assert "B&#39;s own event" in series_page and "Café" not in series_page
    assert "Café" not in client.get(f"/manage/series/?organisation={world.org_a.id}").get_data(as_text=True)
    orgs_page = client.get("/manage/organisations/").get_data(as_text=True)
    assert "Org B" in orgs_page and "Org A" not in orgs_page
    dashboard = client.get("/manage/").get_data(as_text=True)
    assert "Org B" in dashboard and "Café" not in dashboard and "waiting for approval" not in dashboard


def test_editor_without_organisation_cannot_create_series(client, auth, world):
    auth.login("spare@example.org")
    assert client.get("/manage/series/new").status_code == 403
    assert client.post("/manage/series/new", data=series_form(world.org_a)).status_code == 403


def test_coordinator_dashboard_shows_pending_and_counts(client, auth, world):
    auth.login("coordinator@example.org")
    html = client.get("/manage/").get_data(as_text=True)
    assert "Newcomers" in html and "Approve Newcomers" in html
    assert "Published events" in html


@pytest.mark.parametrize("path", [
    "/manage/series/999999", "/manage/series/999999/edit", "/manage/occurrences/999999",
    "/manage/organisations/999999/edit", "/manage/organisations/999999/members", "/manage/venues/999999/edit",
])
def test_missing_objects_are_404(client, auth, world, path):
    auth.login("coordinator@example.org")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", [
    "/manage/series/999999/publish", "/manage/occurrences/999999/move",
    "/manage/organisations/999999/approve", "/manage/organisations/{org}/members/999999/remove",
])
def test_missing_objects_are_404_on_post(client, auth, world, path):
    auth.login("coordinator@example.org")
    before = snapshot()
    assert client.post(path.format(org=world.org_a.id)).status_code == 404
    assert snapshot() == before


def test_removing_a_membership_of_another_organisation_is_404(client, auth, world):
    auth.login("coordinator@example.org")
    before = snapshot()
    response = client.post(f"/manage/organisations/{world.org_b.id}/members/{world.membership.id}/remove")
    assert response.status_code == 404
    assert snapshot() == before


def test_json_preview_needs_login(client, world):
    response = client.post("/manage/series/preview", data=series_form(world.org_a))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
