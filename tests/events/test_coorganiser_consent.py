"""Co-organisers' consent (issue 10): an organisation named as co-organiser shows the event on its profile,
in its feeds, in the API filter and in its subscribers' reminders only after one of its editors (or a
coordinator) accepts; through HTTP and the emails the SMTP server received."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from ink.events.models import EventSeries, series_coorganiser
from ink.extensions import db
from ink.organisations.models import Organisation
from tests.auth.conftest import mail_config
from tests.events.manage_helpers import series_form
from tests.reminders.conftest import link_in, run_outbox, smtp_server, subscribe_and_confirm  # noqa: F401  (a fixture)

UTC = timezone.utc
# The form's first date: Tuesday 9 June 2026, 17:00 Oslo (15:00 UTC); a 24-hour reminder is due on the 8th.
REMINDER_DUE = datetime(2026, 6, 8, 15, 5, tzinfo=UTC)


@pytest.fixture
def app_config(smtp_server, tmp_path):  # type: ignore[no-untyped-def]  # noqa: F811
    return mail_config(smtp_server, tmp_path)


@pytest.fixture
def two(factory):  # type: ignore[no-untyped-def]
    """Kafé (its editor names partners) and Choir (its editor answers), and a third, Library."""
    kafe, choir, library = factory.organisation("Kafé", slug="kafe"), factory.organisation("Choir", slug="choir"), \
        factory.organisation("Library", slug="library")
    factory.user("kafe@example.org", editor_of=[kafe])
    factory.user("choir@example.org", editor_of=[choir])
    factory.user("library@example.org", editor_of=[library])
    return kafe.id, choir.id, library.id


def _orgs(ids):  # type: ignore[no-untyped-def]
    """The three organisations, loaded in the current session."""
    return [db.session.get(Organisation, identifier) for identifier in ids]


def _named_series(client, auth, kafe, choir, **overrides) -> EventSeries:  # type: ignore[no-untyped-def]
    auth.login("kafe@example.org")
    response = client.post("/manage/series/new", data=series_form(kafe, title="Song café", coorganisers=[str(choir.id)],
                                                                  **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    series = db.session.scalar(sa.select(EventSeries).where(EventSeries.title == "Song café"))
    assert client.post(f"/manage/series/{series.id}/publish").status_code == 302
    auth.logout()
    return series


def _status(series: EventSeries, organisation) -> str:  # type: ignore[no-untyped-def]
    return db.session.scalar(sa.select(series_coorganiser.c.status).where(
        series_coorganiser.c.series_id == series.id, series_coorganiser.c.organisation_id == organisation.id))


def _visible_to_choir(client) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    return {
        "profile": "Song café" in client.get("/organisations/choir").get_data(as_text=True),
        "feed": b"Song caf" in client.get("/organisations/choir/calendar.ics").data,
        "api": "Song café" in json.dumps(client.get("/api/v1/occurrences?start=2026-06-01&end=2026-06-30&organisation=choir").get_json(), ensure_ascii=False),
        "event page": "Choir" in client.get(f"/events/{_series_id()}").get_data(as_text=True),
    }


def _series_id() -> int:
    return db.session.scalar(sa.select(EventSeries.id).where(EventSeries.title == "Song café"))


def test_named_not_shown_until_accepted_then_shown_and_its_subscribers_reminded(client, auth, two, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    subscribe_and_confirm(client, smtp_server, clock, "fan@example.org", "/subscribe/organisation/choir")
    kafe, choir, _library = _orgs(two)
    series = _named_series(client, auth, kafe, choir)
    assert _status(series, choir) == "pending"
    assert _visible_to_choir(client) == {"profile": False, "feed": False, "api": False, "event page": False}
    assert "Song café" in client.get("/organisations/kafe").get_data(as_text=True)  # the organiser's own: unchanged

    # Choir's editor is asked by email; the link leads to the requests page.
    run_outbox(clock.now())
    [request] = smtp_server.handler.to("choir@example.org")
    assert request.subject == "Choir is named as co-organiser of “Song café”"
    assert "Kafé names Choir as a co-organiser" in request.text
    path = link_in(request, "/manage/coorganising")

    # Before consent, the reminder goes to nobody of Choir's subscribers.
    clock.set(REMINDER_DUE)
    run_outbox(clock.now())
    assert smtp_server.handler.subjects("fan@example.org") == ["Please confirm your subscription"]

    auth.login("choir@example.org")
    page = client.get(path).get_data(as_text=True)
    assert "Song café" in page and "Kafé names Choir" in page
    assert client.post(f"/manage/coorganising/{series.id}/{choir.id}/accept").status_code == 302
    auth.logout()
    assert _status(series, choir) == "accepted"
    assert _visible_to_choir(client) == {"profile": True, "feed": True, "api": True, "event page": True}

    # The next date's reminder reaches Choir's subscriber (Thursday 11 June, 17:00 Oslo).
    clock.set(datetime(2026, 6, 10, 15, 5, tzinfo=UTC))
    run_outbox(clock.now())
    reminders = [s for s in smtp_server.handler.subjects("fan@example.org") if "Song café" in s]
    assert len(reminders) == 1


def test_declining_hides_it_and_loses_nothing_else(client, auth, two, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    kafe, choir, library = _orgs(two)
    series = _named_series(client, auth, kafe, choir)
    run_outbox(clock.now())
    assert len(smtp_server.handler.to("choir@example.org")) == 1
    auth.login("kafe@example.org")  # Kafé names Library too; Library's editor accepts
    data = series_form(kafe, title="Song café", coorganisers=[str(choir.id), str(library.id)],
                       version=str(db.session.get(EventSeries, series.id).version))
    assert client.post(f"/manage/series/{series.id}/edit", data=data).status_code == 302
    auth.logout()
    auth.login("library@example.org")
    assert client.post(f"/manage/coorganising/{series.id}/{library.id}/accept").status_code == 302
    auth.logout()
    auth.login("choir@example.org")
    assert client.post(f"/manage/coorganising/{series.id}/{choir.id}/decline").status_code == 302
    auth.logout()
    db.session.expire_all()
    series = db.session.get(EventSeries, series.id)
    assert (_status(series, choir), _status(series, library)) == ("declined", "accepted")
    assert series.is_published and series.title == "Song café" and len(series.occurrences) > 0
    assert "Song café" not in client.get("/organisations/choir").get_data(as_text=True)
    assert "Song café" in client.get("/organisations/library").get_data(as_text=True)
    assert "Song café" in client.get("/organisations/kafe").get_data(as_text=True)
    # The organiser sees where each stands.
    auth.login("kafe@example.org")
    detail = client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    assert "<bdi>Choir</bdi> (declined)" in detail and "Library" in detail
    # Saving the series again does not ask Choir again; removing Choir keeps Library.
    data = series_form(kafe, title="Song café", coorganisers=[str(choir.id), str(library.id)], version=str(series.version))
    assert client.post(f"/manage/series/{series.id}/edit", data=data).status_code == 302
    assert _status(series, choir) == "declined"
    data = series_form(kafe, title="Song café", coorganisers=[str(library.id)],
                       version=str(db.session.get(EventSeries, series.id).version))
    assert client.post(f"/manage/series/{series.id}/edit", data=data).status_code == 302
    assert _status(series, choir) is None and _status(series, library) == "accepted"
    run_outbox(clock.now())
    assert len(smtp_server.handler.to("choir@example.org")) == 1  # asked once, however often it was saved
    assert smtp_server.handler.to("library@example.org") == []  # accepted before its request went out: not sent


def test_an_editor_of_another_organisation_cannot_answer_for_it(client, auth, two, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    kafe, choir, library = _orgs(two)
    series = _named_series(client, auth, kafe, choir)
    for email in ("library@example.org", "kafe@example.org"):  # neither edits Choir (Kafé only named it)
        auth.login(email)
        assert client.post(f"/manage/coorganising/{series.id}/{choir.id}/accept").status_code == 403
        assert client.post(f"/manage/coorganising/{series.id}/{choir.id}/decline").status_code == 403
        assert "Song café" not in client.get("/manage/coorganising").get_data(as_text=True)
        auth.logout()
    assert _status(series, choir) == "pending"
    auth.login("choir@example.org")
    assert client.post(f"/manage/coorganising/{series.id}/{library.id}/accept").status_code == 404  # not named
    assert client.post(f"/manage/coorganising/999999/{choir.id}/accept").status_code == 404
    assert "1 event names your organisation as co-organiser" in client.get("/manage/").get_data(as_text=True)
    assert _status(series, choir) == "pending"


def test_a_coordinator_naming_it_accepts_at_once_and_may_answer_for_any(client, auth, two, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    kafe, choir, library = _orgs(two)
    factory.coordinator()
    auth.login("coordinator@example.org")
    response = client.post("/manage/series/new", data=series_form(kafe, title="Song café", coorganisers=[str(choir.id)]))
    assert response.status_code == 302
    series = db.session.scalar(sa.select(EventSeries).where(EventSeries.title == "Song café"))
    assert _status(series, choir) == "accepted"
    run_outbox(clock.now())
    assert smtp_server.handler.to("choir@example.org") == []  # nothing to ask
    auth.logout()
    named = _named_series_by_kafe_naming(client, auth, kafe, library)
    assert _status(named, library) == "pending"
    auth.login("coordinator@example.org")
    assert client.post(f"/manage/coorganising/{named.id}/{library.id}/accept").status_code == 302
    assert _status(named, library) == "accepted"


def _named_series_by_kafe_naming(client, auth, kafe, other) -> EventSeries:  # type: ignore[no-untyped-def]
    auth.login("kafe@example.org")
    assert client.post("/manage/series/new", data=series_form(kafe, title="Reading", coorganisers=[str(other.id)])).status_code == 302
    auth.logout()
    return db.session.scalar(sa.select(EventSeries).where(EventSeries.title == "Reading"))


def test_an_editor_of_both_organisations_accepts_by_naming(client, auth, two, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    kafe, choir, _library = _orgs(two)
    factory.user("both@example.org", editor_of=[kafe, choir])
    auth.login("both@example.org")
    assert client.post("/manage/series/new", data=series_form(kafe, title="Song café", coorganisers=[str(choir.id)])).status_code == 302
    series = db.session.scalar(sa.select(EventSeries).where(EventSeries.title == "Song café"))
    assert _status(series, choir) == "accepted"
