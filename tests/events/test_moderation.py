"""Moderation end to end (issue 10): a reviewed organisation's publish, changes and moves wait in /manage/moderation;
the public (programme, event page, feeds, API) sees only what a coordinator approved; returning tells the editors
by email; cancelling is never held; trusted organisations and coordinators publish directly."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from ink.events.models import EventSeries, ModerationRequest, Occurrence, SeriesStatus
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.organisations.models import Organisation, OrganisationModeration
from tests.events.manage_helpers import series_form
from tests.reminders.conftest import app_config, run_outbox, smtp_server, subscribe_and_confirm  # noqa: F401

EDITOR = "editor@example.org"
COORDINATOR = "coordinator@example.org"
RESIDENT = "resident@example.org"


@pytest.fixture
def choir(factory):  # type: ignore[no-untyped-def]
    """A reviewed organisation with an editor (and a second editor who reads Bokmål), and a coordinator."""
    org = factory.organisation("Newcomers' Choir", moderation=OrganisationModeration.REVIEWED)
    factory.user(EDITOR, editor_of=[org])
    second = factory.user("andre@example.org", editor_of=[org])
    second.locale = "nb"
    factory.coordinator(COORDINATOR)
    db.session.commit()
    return org


def _weekly(factory, org: Organisation, status: SeriesStatus = SeriesStatus.PUBLISHED, **kwargs) -> EventSeries:  # type: ignore[no-untyped-def]
    """A weekly Tuesday rehearsal 17:00–19:00 from 9 June (already approved when published: built by the factory)."""
    return factory.series(organisation=org, title="Choir rehearsal", start_local=datetime(2026, 6, 9, 17, 0),
                          recurrence=Recurrence(freq="weekly", weekdays=(1,)), duration_minutes=120, status=status,
                          **kwargs)


def _pending() -> list[ModerationRequest]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ModerationRequest).where(ModerationRequest.status == "pending")))


def _version(series_id: int) -> int:
    db.session.expire_all()
    return db.session.get(EventSeries, series_id).version


def _approve(client, request: ModerationRequest):  # type: ignore[no-untyped-def]
    return client.post(f"/manage/moderation/{request.id}/approve",
                       data={f"approve-{request.id}-version": str(_version(request.series_id))})


def _return(client, request: ModerationRequest, comment: str):  # type: ignore[no-untyped-def]
    return client.post(f"/manage/moderation/{request.id}/return",
                       data={f"return-{request.id}-version": str(_version(request.series_id)),
                             f"return-{request.id}-comment": comment})


def _switch_to(auth, email: str) -> None:  # type: ignore[no-untyped-def]
    auth.logout()
    auth.login(email)


def _subscribed(client, smtp_server, clock, series: EventSeries, org: Organisation):  # type: ignore[no-untyped-def]  # noqa: F811
    """The resident subscribes to the series (which ends the test's session: the objects are loaded again)."""
    series_id, org_id = series.id, org.id
    subscribe_and_confirm(client, smtp_server, clock, RESIDENT, f"/subscribe/series/{series_id}")
    return db.session.get(EventSeries, series_id), db.session.get(Organisation, org_id)


def _public_texts(app, series_id: int) -> dict[str, str]:
    """What the public (signed out) sees of a series: event page, programme, the event's .ics, the whole feed,
    the API."""
    client = app.test_client()
    event = client.get(f"/events/{series_id}")
    return {
        "event": event.get_data(as_text=True) if event.status_code == 200 else f"status {event.status_code}",
        "programme": client.get("/?start=2026-06-08&days=14").get_data(as_text=True),
        "ics": client.get(f"/events/{series_id}.ics").get_data(as_text=True),
        "feed": client.get("/calendar.ics").get_data(as_text=True),
        "api": client.get("/api/v1/occurrences?start=2026-06-08&end=2026-06-22").get_data(as_text=True),
    }


def test_a_reviewed_publish_waits_for_approval_then_is_public_everywhere(app, client, auth, factory, choir, clock,
                                                                       smtp_server):  # noqa: F811
    series = _weekly(factory, choir, status=SeriesStatus.DRAFT)
    auth.login(EDITOR)
    page = client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    assert "Send for review" in page

    response = client.post(f"/manage/series/{series.id}/publish")
    assert response.status_code == 302
    assert "coordinators for review" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(EventSeries, series.id).is_draft
    texts = _public_texts(app, series.id)
    assert texts["event"] == "status 404"
    assert all("Choir rehearsal" not in text for text in texts.values())
    assert "Waiting for review" in client.get(f"/manage/series/{series.id}").get_data(as_text=True)

    # The editor sees their own request, and cannot decide it.
    [request] = _pending()
    assert "1 request waits for a coordinator" in client.get("/manage/").get_data(as_text=True)
    assert "Choir rehearsal" in client.get("/manage/moderation/").get_data(as_text=True)
    assert _approve(client, request).status_code == 403
    assert _pending() == [request]

    _switch_to(auth, COORDINATOR)
    queue = client.get("/manage/moderation/").get_data(as_text=True)
    assert "Choir rehearsal" in queue and "Newcomers&#39; Choir" in queue and EDITOR in queue
    assert "1 request waits for a coordinator" in client.get("/manage/").get_data(as_text=True)
    assert _approve(client, request).status_code == 302
    db.session.expire_all()
    assert db.session.get(EventSeries, series.id).is_published
    assert _pending() == []
    for name, text in _public_texts(app, series.id).items():
        assert "Choir rehearsal" in text, name

    run_outbox(clock.now())
    [approved] = smtp_server.handler.to(EDITOR)
    assert approved.subject == "Approved: “Choir rehearsal”"
    assert f"https://ink.example.org/manage/series/{series.id}" in approved.text
    [godkjent] = smtp_server.handler.to("andre@example.org")
    assert godkjent.subject == "Godkjent: «Choir rehearsal»"


def _dtstart_lines(ics: str) -> set[str]:
    return set(re.findall(r"^DTSTART[^\r\n]*", ics, flags=re.MULTILINE))


def test_a_change_to_a_published_event_keeps_the_public_version_until_approved(app, client, auth, factory, choir, clock,
                                                                              smtp_server):  # noqa: F811
    series = _weekly(factory, choir, audience_note="Everyone")
    series, choir = _subscribed(client, smtp_server, clock, series, choir)
    before = _public_texts(app, series.id)
    old_starts = _dtstart_lines(before["ics"])
    assert "T170000" in "".join(old_starts)
    old_sequence = series.sequence

    auth.login(EDITOR)
    response = client.post(f"/manage/series/{series.id}/edit", data=series_form(
        choir, title="Choir evening", date="2026-06-09", start_time="18:00", end_time="20:00", weekdays=["1"],
        audience_note="Bring a friend", version=str(series.version)))
    assert response.status_code == 302
    assert "wait for a coordinator" in client.get(response.headers["Location"]).get_data(as_text=True)

    # The public still sees the approved title and time; the fields that are not held are saved at once.
    during = _public_texts(app, series.id)
    assert "Choir rehearsal" in during["event"] and "Choir evening" not in during["event"]
    assert "Choir evening" not in during["ics"] and _dtstart_lines(during["ics"]) == old_starts
    assert "Bring a friend" in during["event"]
    db.session.expire_all()
    assert db.session.get(EventSeries, series.id).sequence == old_sequence
    # The editor's form continues from the proposal.
    assert 'value="Choir evening"' in client.get(f"/manage/series/{series.id}/edit").get_data(as_text=True)
    received = len(smtp_server.handler.to(RESIDENT))
    run_outbox(clock.now())
    assert len(smtp_server.handler.to(RESIDENT)) == received  # nothing changed for residents yet

    _switch_to(auth, COORDINATOR)
    queue = client.get("/manage/moderation/").get_data(as_text=True)
    assert "Choir rehearsal" in queue and "Choir evening" in queue  # before and after
    [request] = _pending()
    assert _approve(client, request).status_code == 302

    after = _public_texts(app, series.id)
    assert "Choir evening" in after["event"] and "Choir evening" in after["ics"]
    assert "T180000" in "".join(_dtstart_lines(after["ics"]))
    db.session.expire_all()
    assert db.session.get(EventSeries, series.id).sequence > old_sequence
    run_outbox(clock.now())
    notices = smtp_server.handler.to(RESIDENT)[received:]
    assert notices, "the residents hear of the changed time"
    assert any("Choir" in notice.subject for notice in notices)


def test_returning_with_a_comment_emails_the_editors_and_keeps_the_public_version(client, auth, factory, choir, clock,
                                                                                 smtp_server):  # noqa: F811
    series = _weekly(factory, choir)
    auth.login(EDITOR)
    assert client.post(f"/manage/series/{series.id}/edit", data=series_form(
        choir, title="CHOIR!!! FREE BEER", date="2026-06-09", weekdays=["1"])).status_code == 302
    [request] = _pending()

    _switch_to(auth, COORDINATOR)
    empty = _return(client, request, "  ")
    assert empty.status_code == 422 and _pending() == [request]
    assert _return(client, request, "Please keep the title calm and drop the beer.").status_code == 302
    assert _pending() == []
    assert "Choir rehearsal" in client.get(f"/events/{series.id}").get_data(as_text=True)

    run_outbox(clock.now())
    [email] = smtp_server.handler.to(EDITOR)
    assert email.subject == "Returned with a comment: “Choir rehearsal”"
    assert "Please keep the title calm and drop the beer." in email.text
    assert f"https://ink.example.org/manage/series/{series.id}" in email.text
    [bokmaal] = smtp_server.handler.to("andre@example.org")
    assert bokmaal.subject == "Sendt tilbake med en kommentar: «Choir rehearsal»"
    assert "Please keep the title calm" in bokmaal.text

    _switch_to(auth, EDITOR)
    page = client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    assert "Returned by a coordinator" in page and "Please keep the title calm and drop the beer." in page
    # Editing again sends a new request; a second edit replaces it.
    assert client.post(f"/manage/series/{series.id}/edit", data=series_form(
        choir, title="Choir night", date="2026-06-09", weekdays=["1"])).status_code == 302
    assert client.post(f"/manage/series/{series.id}/edit", data=series_form(
        choir, title="Choir evening", date="2026-06-09", weekdays=["1"])).status_code == 302
    [latest] = _pending()
    assert latest.proposed["title"] == "Choir evening"
    assert "Returned by a coordinator" not in client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    # Going back to the public title takes the request back.
    assert client.post(f"/manage/series/{series.id}/edit", data=series_form(
        choir, title="Choir rehearsal", description="", date="2026-06-09", weekdays=["1"])).status_code == 302
    assert _pending() == []


def _occurrences(series_id: int) -> list[Occurrence]:
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(Occurrence).where(Occurrence.series_id == series_id).order_by(Occurrence.original_start_at)))


def test_cancelling_a_date_is_immediate_and_tells_subscribers(client, auth, factory, choir, clock,
                                                             smtp_server):  # noqa: F811
    series = _weekly(factory, choir)
    series, choir = _subscribed(client, smtp_server, clock, series, choir)
    first = _occurrences(series.id)[0]
    auth.login(EDITOR)
    response = client.post(f"/manage/occurrences/{first.id}/cancel", data={"reason": "Ill", "confirmed": "yes"})
    assert response.status_code == 302
    assert _occurrences(series.id)[0].is_cancelled and _pending() == []
    run_outbox(clock.now())
    assert any("cancel" in message.subject.lower() for message in smtp_server.handler.to(RESIDENT))
    # And the whole event, too.
    assert client.post(f"/manage/series/{series.id}/cancel", data={"reason": "Gone", "confirmed": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(EventSeries, series.id).is_cancelled and _pending() == []


def test_moving_a_date_waits_for_approval_then_moves_and_tells_subscribers(client, auth, factory, choir, clock,
                                                                          smtp_server):  # noqa: F811
    series = _weekly(factory, choir)
    series, choir = _subscribed(client, smtp_server, clock, series, choir)
    first = _occurrences(series.id)[0]
    original = first.start_at
    auth.login(EDITOR)
    move = {"date": "2026-06-10", "start_time": "18:00", "end_time": "20:00", "venue": "", "note": "Other day"}
    response = client.post(f"/manage/occurrences/{first.id}/move", data=move)
    assert response.status_code == 302
    assert _occurrences(series.id)[0].start_at == original
    assert "20260609T170000" in client.get(f"/events/{series.id}.ics").get_data(as_text=True).replace("-", "")
    received = len(smtp_server.handler.to(RESIDENT))
    # A note alone is not held.
    second = _occurrences(series.id)[1]
    assert client.post(f"/manage/occurrences/{second.id}/move", data={
        "date": "2026-06-16", "start_time": "17:00", "end_time": "19:00", "venue": "", "note": "Bring water"}).status_code == 302
    assert _occurrences(series.id)[1].note == "Bring water"

    _switch_to(auth, COORDINATOR)
    [request] = _pending()
    assert request.is_move and "Wednesday 10 June 2026" in client.get("/manage/moderation/").get_data(as_text=True)
    assert _approve(client, request).status_code == 302
    moved = _occurrences(series.id)[0]
    assert moved.is_moved and moved.start_at != original and moved.note == "Other day"
    run_outbox(clock.now())
    assert len(smtp_server.handler.to(RESIDENT)) > received


def test_trusted_organisations_and_coordinators_publish_directly(client, auth, factory, choir):
    trusted = factory.organisation("Old member")  # the factory's organisations are trusted, as before moderation
    factory.user("old@example.org", editor_of=[trusted])
    draft = _weekly(factory, trusted, status=SeriesStatus.DRAFT)
    auth.login("old@example.org")
    assert client.post(f"/manage/series/{draft.id}/publish").status_code == 302
    assert client.get(f"/events/{draft.id}").status_code == 200

    reviewed_draft = _weekly(factory, choir, status=SeriesStatus.DRAFT)
    published = _weekly(factory, choir)
    _switch_to(auth, COORDINATOR)
    assert client.post(f"/manage/series/{reviewed_draft.id}/publish").status_code == 302
    assert client.get(f"/events/{reviewed_draft.id}").status_code == 200
    assert client.post(f"/manage/series/{published.id}/edit", data=series_form(
        choir, title="Coordinator's title", date="2026-06-09", weekdays=["1"])).status_code == 302
    assert "Coordinator&#39;s title" in client.get(f"/events/{published.id}").get_data(as_text=True)
    assert _pending() == []


def test_a_decision_on_a_changed_event_is_a_409(client, auth, factory, choir):
    series = _weekly(factory, choir, status=SeriesStatus.DRAFT)
    auth.login(EDITOR)
    client.post(f"/manage/series/{series.id}/publish")
    [request] = _pending()
    seen = _version(series.id)
    # The editor changes the draft after the coordinator opened the queue.
    assert client.post(f"/manage/series/{series.id}/edit", data=series_form(
        choir, title="Choir, new text", date="2026-06-09", weekdays=["1"], version=str(seen))).status_code == 302
    _switch_to(auth, COORDINATOR)
    stale = client.post(f"/manage/moderation/{request.id}/approve", data={f"approve-{request.id}-version": str(seen)})
    assert stale.status_code == 409
    assert "changed after you opened this page" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(EventSeries, series.id).is_draft and _pending() == [request]
    assert client.post(f"/manage/moderation/{request.id}/approve", data={}).status_code == 422
    assert client.post("/manage/moderation/999999/approve", data={}).status_code == 404
    assert _approve(client, request).status_code == 302
    # Deciding it again: it is no longer pending.
    assert _approve(client, request).status_code == 409


def test_coordinators_switch_an_organisation_between_trusted_and_reviewed(client, auth, factory, choir):
    auth.login(COORDINATOR)
    page = client.get(f"/manage/organisations/{choir.id}/edit").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="reviewed"', page)
    assert client.post(f"/manage/organisations/{choir.id}/moderation", data={"moderation": "trusted"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, choir.id).is_trusted
    assert client.post(f"/manage/organisations/{choir.id}/moderation", data={"moderation": "lax"}).status_code == 422
    # New organisations are reviewed.
    assert client.post("/manage/organisations/new", data={"name": "Brand new"}).status_code == 302
    assert db.session.scalar(sa.select(Organisation).where(Organisation.name == "Brand new")).is_reviewed
    _switch_to(auth, EDITOR)
    assert client.post(f"/manage/organisations/{choir.id}/moderation", data={"moderation": "reviewed"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Organisation, choir.id).is_trusted


def test_an_editor_sees_only_their_organisations_requests(client, auth, factory, choir):
    other = factory.organisation("Other reviewed", moderation=OrganisationModeration.REVIEWED)
    factory.user("other@example.org", editor_of=[other])
    ours = _weekly(factory, choir, status=SeriesStatus.DRAFT)
    theirs = factory.series(organisation=other, title="Their secret plan", status=SeriesStatus.DRAFT)
    auth.login(EDITOR)
    client.post(f"/manage/series/{ours.id}/publish")
    _switch_to(auth, "other@example.org")
    client.post(f"/manage/series/{theirs.id}/publish")
    queue = client.get("/manage/moderation/").get_data(as_text=True)
    assert "Their secret plan" in queue and "Choir rehearsal" not in queue
    mine = next(request for request in _pending() if request.series_id == ours.id)
    assert _return(client, mine, "No").status_code == 403
    assert client.get(f"/manage/series/{ours.id}").status_code == 403
