"""The audit log through HTTP: what coordinators and editors do appears with actor, action, organisation,
before and after; the page filters, pages, escapes; only coordinators see it."""
from __future__ import annotations

import json
import re
import sqlalchemy as sa

from ink.audit.models import AuditEntry
from ink.auth.models import User
from ink.auth.service import set_password
from ink.events.models import EventSeries, Occurrence
from ink.extensions import db
from ink.organisations import invitations
from ink.organisations.models import Invitation, Membership, Organisation
from tests.audit.conftest import entries
from tests.events.manage_helpers import series_form


def _page(client, **args) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/manage/audit", query_string=args)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr class="audit-entry".*?</tr>', page, flags=re.S)


def test_a_series_created_edited_published_and_its_dates_cancelled_and_moved(client, auth, network, clock) -> None:  # type: ignore[no-untyped-def]
    auth.login("coordinator@example.org")
    response = client.post("/manage/series/new", data=series_form(network.org, title="Sewing circle"))
    assert response.status_code == 302
    series = db.session.scalar(sa.select(EventSeries).where(EventSeries.title == "Sewing circle"))
    created = entries(object_kind="event_series", object_id=str(series.id))
    assert [(e.action, e.actor_id, e.organisation_id) for e in created] == [
        ("create", network.coordinator.id, network.org.id)]
    assert created[0].changes["title"] == {"after": "Sewing circle"}
    # Its dates follow from the rule: no entry per generated occurrence.
    assert entries(object_kind="occurrence") == []

    form = series_form(network.org, title="Sewing & mending <circle>", version=str(series.version))
    assert client.post(f"/manage/series/{series.id}/edit", data=form).status_code == 302
    edit = entries(object_kind="event_series", object_id=str(series.id))[-1]
    assert edit.action == "edit" and edit.actor_name == network.coordinator.display_name
    assert edit.changes == {"title": {"before": "Sewing circle", "after": "Sewing & mending <circle>"}}

    assert client.post(f"/manage/series/{series.id}/publish").status_code == 302
    publish = entries(object_kind="event_series", object_id=str(series.id))[-1]
    assert publish.action == "publish" and publish.changes["status"] == {"before": "draft", "after": "published"}

    first, second = db.session.scalars(
        sa.select(Occurrence).where(Occurrence.series_id == series.id).order_by(Occurrence.start_at).limit(2))
    response = client.post(f"/manage/occurrences/{first.id}/cancel", data={"reason": "Hall closed", "confirmed": "yes"})
    assert response.status_code == 302
    cancel = entries(object_kind="occurrence", object_id=str(first.id))
    assert [e.action for e in cancel] == ["cancel"]
    assert cancel[0].organisation_id == network.org.id and cancel[0].object_label.startswith("Sewing & mending")
    assert cancel[0].changes["cancel_reason"] == {"before": "", "after": "Hall closed"}

    response = client.post(f"/manage/occurrences/{second.id}/move", data={
        "date": "2026-06-12", "start_time": "18:00", "end_time": "20:00", "note": ""})
    assert response.status_code == 302
    move = entries(object_kind="occurrence", object_id=str(second.id))
    assert [e.action for e in move] == ["move"]
    assert move[0].changes["start_at"]["after"].startswith("2026-06-12T16:00")

    page = _page(client, person=network.coordinator.id)
    rows = _rows(page)
    assert len(rows) == 5
    assert 'data-action="move"' in rows[0] and 'data-action="create"' in rows[-1]  # newest first
    # Before and after shown, escaped.
    assert "<del>Sewing circle</del> → <ins>Sewing &amp; mending &lt;circle&gt;</ins>" in page
    assert "<circle>" not in page
    assert network.coordinator.display_name in rows[0] and "Kafé Verden" in rows[0]


def test_organisation_approval_memberships_and_counts(client, auth, network, factory) -> None:  # type: ignore[no-untyped-def]
    auth.login("coordinator@example.org")
    assert client.post("/manage/organisations/new", data={"name": "Chess club", "slug": "chess"}).status_code == 302
    chess = db.session.scalar(sa.select(Organisation).where(Organisation.slug == "chess"))
    assert client.post(f"/manage/organisations/{chess.id}/archive").status_code == 302
    assert client.post(f"/manage/organisations/{chess.id}/approve").status_code == 302
    factory.user("player@example.org")
    assert client.post(f"/manage/organisations/{chess.id}/members", data={"email": "player@example.org"}).status_code == 302
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.organisation_id == chess.id))
    token = invitations.invitation_token(invitation)
    auth.logout()
    auth.login("player@example.org")  # the invited person accepts with the account they have
    assert client.post(f"/invitations/{token}/accept").status_code == 302
    auth.logout()
    auth.login("coordinator@example.org")
    membership = db.session.scalar(sa.select(Membership).where(Membership.organisation_id == chess.id))
    assert client.post(f"/manage/organisations/{chess.id}/members/{membership.id}/remove").status_code == 302

    logged = [(e.object_kind, e.action, e.organisation_id) for e in entries(organisation_id=chess.id)]
    assert logged == [("organisation", "create", chess.id), ("organisation", "archive", chess.id),
                      ("organisation", "approve", chess.id), ("invitation", "invite", chess.id),
                      ("membership", "add-member", chess.id), ("invitation", "accept-invitation", chess.id),
                      ("membership", "remove-member", chess.id)]
    approve = entries(organisation_id=chess.id)[2]
    assert approve.changes["status"] == {"before": "archived", "after": "active"}
    # The removed membership's entries stay ("kept as long as the data"), labelled with the person.
    assert [e.object_label for e in entries(object_kind="membership", organisation_id=chess.id)] == ["player@example.org"] * 2

    auth.logout()
    auth.login("editor@example.org")
    past = network.occurrences()[3]  # 2026-05-26: held last week
    response = client.post(f"/manage/attendance/occurrences/{past.id}", data={"total": "23", "method": "head_count"})
    assert response.status_code == 302
    record_version = db.session.scalar(sa.text("SELECT version FROM attendance_record"))
    response = client.post(f"/manage/attendance/occurrences/{past.id}",
                           data={"total": "25", "method": "head_count", "version": str(record_version)})
    assert response.status_code == 302
    counts = entries(object_kind="attendance_record")
    assert [(e.action, e.actor_id, e.organisation_id) for e in counts] == [
        ("record-count", network.editor.id, network.org.id), ("change-count", network.editor.id, network.org.id)]
    assert counts[1].changes["total"] == {"before": 23, "after": 25}
    assert counts[0].object_label == "Language café"


def test_topics_are_an_edit_of_the_series_collection_not_rows(client, auth, network, factory) -> None:  # type: ignore[no-untyped-def]
    topics = factory.topics()
    auth.login("coordinator@example.org")
    series = network.series
    form = series_form(network.org, title=series.title, version=str(series.version), date="2026-05-05",
                       weekdays=["1"], topics=[str(topics[0].id), str(topics[1].id)])
    assert client.post(f"/manage/series/{series.id}/edit", data=form).status_code == 302
    edit = entries(object_kind="event_series", object_id=str(series.id))[-1]
    assert edit.changes["topics"] == {"before": [], "after": sorted([topics[0].name, topics[1].name])}
    kinds = {e.object_kind for e in entries()}
    assert not kinds & {"series_topic", "series_language", "series_audience"}


def test_filters_by_organisation_person_object_and_date(client, auth, network, factory, clock) -> None:  # type: ignore[no-untyped-def]
    auth.login("coordinator@example.org")
    client.post(f"/manage/organisations/{network.other.id}/approve")  # no change: already active
    client.post(f"/manage/organisations/{network.other.id}/archive")
    auth.logout()
    clock.advance(days=2)
    auth.login("editor@example.org")
    series = network.series
    client.post(f"/manage/series/{series.id}/unpublish")
    auth.logout()
    auth.login("coordinator@example.org")

    def actions(**args) -> list[str]:  # type: ignore[no-untyped-def]
        return re.findall(r'data-action="([^"]+)"', _page(client, **args))

    assert actions(organisation=network.other.id) == ["archive", "create"]  # the factory made it
    assert actions(organisation=network.org.id)[0] == "unpublish" and "archive" not in actions(organisation=network.org.id)
    assert actions(person=network.editor.id) == ["unpublish"]
    assert actions(person=network.coordinator.id) == ["archive"]
    assert "create" in actions(person="system")  # the factory's rows, made outside any request
    assert actions(kind="event_series", object_id=str(series.id)) == ["unpublish", "create"]
    assert actions(kind="organisation", date_from="2026-06-04", date_to="2026-06-04") == []
    assert actions(date_from="2026-06-04") == ["unpublish"]
    assert actions(date_to="2026-06-02", person=network.coordinator.id) == ["archive"]

    for bad in ({"organisation": "abc"}, {"person": "999999"}, {"kind": "<script>"}, {"date_from": "2026-13-45"},
                {"object_id": "x" * 100}, {"date_from": "2026-06-05", "date_to": "2026-06-01"}, {"before": "-1"}):
        response = client.get("/manage/audit", query_string=bad)
        assert response.status_code == 422, bad
        assert 'class="errors"' in response.get_data(as_text=True)


def test_pages_back_newest_first(client, auth, network, factory) -> None:  # type: ignore[no-untyped-def]
    auth.login("coordinator@example.org")
    for n in range(55):
        factory.venue(f"Hall {n}")
    first = _page(client, kind="venue")
    assert len(_rows(first)) == 50 and "Hall 54" in _rows(first)[0]
    older = re.search(r'href="([^"]+)" rel="next"|rel="next" href="([^"]+)"', first)
    assert older
    second = client.get((older.group(1) or older.group(2)).replace("&amp;", "&")).get_data(as_text=True)
    assert [re.search(r"Hall \d+", row).group(0) for row in _rows(second)] == [f"Hall {n}" for n in range(4, -1, -1)]
    assert 'rel="next"' not in second


def test_only_coordinators_see_the_log(client, auth, network) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/manage/audit").status_code in (302, 401)
    auth.login("editor@example.org")
    assert client.get("/manage/audit").status_code == 403
    assert "/manage/audit" not in client.get("/manage/").get_data(as_text=True)
    auth.logout()
    auth.login("coordinator@example.org")
    assert "/manage/audit" in client.get("/manage/").get_data(as_text=True)


def test_no_password_hash_token_or_nonce_is_ever_stored(client, auth, network, factory, runner) -> None:  # type: ignore[no-untyped-def]
    user = factory.user("secretive@example.org", editor_of=[network.org])
    auth.login("coordinator@example.org")
    past = network.occurrences()[4]
    assert client.post(f"/manage/attendance/occurrences/{past.id}/door-links").status_code in (302, 303)
    set_password(user, "another long password")
    db.session.commit()
    secrets = [user.password_hash, user.session_token, network.coordinator.password_hash]
    secrets += list(db.session.scalars(sa.text("SELECT nonce FROM door_link")))
    assert len(secrets) == 4
    dump = json.dumps([[e.changes, e.object_label, e.actor_name] for e in entries()], ensure_ascii=False)
    for secret in secrets:
        assert secret not in dump
    password_change = entries(object_kind="user", object_id=str(user.id))[-1]
    assert password_change.changes == {"password_hash": {"redacted": True}, "session_token": {"redacted": True}}
    assert "changed (the value is never shown)" in _page(client, kind="user")


def test_residents_subscriptions_and_the_outbox_are_not_logged(client, network) -> None:  # type: ignore[no-untyped-def]
    before = len(entries())
    response = client.post(f"/subscribe/series/{network.series.id}",
                           data={"email": "resident@example.org", "locale": "en", "offset_minutes": "1440", "consent": "y"})
    assert response.status_code == 302
    assert db.session.scalar(sa.text("SELECT count(*) FROM outbox_message")) == 1
    assert len(entries()) == before
    assert "resident@example.org" not in json.dumps([e.changes for e in entries()])


def test_deleting_an_object_keeps_its_entries(client, auth, network) -> None:  # type: ignore[no-untyped-def]
    user = db.session.get(User, network.editor.id)
    user_id = user.id
    logged = len(entries(object_kind="user", object_id=str(user_id)))
    db.session.delete(user)  # memberships go with it (ON DELETE CASCADE)
    db.session.commit()
    assert len(entries(object_kind="user", object_id=str(user_id))) == logged + 1
    assert entries(object_kind="user", object_id=str(user_id))[-1].action == "delete"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) >= 3
