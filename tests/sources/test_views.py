"""The manage screens of calendar sources: connect with a preview first, the source page, Sync now,
edit defaults, disconnect (events stay), read-only source-owned fields, and authorization."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ink.core.errors import ValidationFailed
from ink.core.time import utc_to_local
from ink.events import service as events_service
from ink.events.models import EventSeries, SeriesStatus
from ink.extensions import db
from ink.sources.models import CalendarSource, SourceEvent
from ink.sources.sync import sync_source
from tests.sources.conftest import SOURCES_NOW, calendar_file
from tests.sweep import sign_in


@pytest.fixture
def editor_setup(factory):  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Språkkafé Oslo")
    other = factory.organisation("Andre")
    editor = factory.user("editor@example.org", editor_of=[organisation])
    outsider = factory.user("outsider@example.org", editor_of=[other])
    return organisation, editor, outsider


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_connect_shows_a_preview_before_anything_is_saved(client, calendar_server, editor_setup, factory) -> None:  # type: ignore[no-untyped-def]
    organisation, editor, _ = editor_setup
    topics = factory.topics()
    url = calendar_server.serve("/google.ics", calendar_file("google.ics"))
    sign_in(client, editor.email)
    form = {"url": url, "name": "", "organisation": str(organisation.id), "venue": "", "audience": "families",
            "topics": [str(topics[0].id)]}
    response = client.post("/manage/sources/new", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Preview: what would be imported from Språkkafé Grünerløkka" in page
    assert "Sommerleir" in page and "Familielørdag" in page
    assert 'name="confirmed" value="yes"' in page
    assert (_count(CalendarSource), _count(EventSeries)) == (0, 0)
    response = client.post("/manage/sources/new", data={**form, "name": "Språkkafé Grünerløkka", "confirmed": "yes"})
    assert response.status_code == 302
    source = db.session.scalars(sa.select(CalendarSource)).one()
    assert response.headers["Location"].endswith(f"/manage/sources/{source.id}")
    assert _count(EventSeries) == 3
    series = db.session.scalars(sa.select(EventSeries)).all()
    assert all(s.status == SeriesStatus.PUBLISHED for s in series)  # a trusted organisation
    assert all([t.id for t in s.topics] == [topics[0].id] and [a.value for a in s.audiences] == ["families"]
               for s in series)
    page = client.get(f"/manage/sources/{source.id}").get_data(as_text=True)
    assert "In sync" in page and "3 events" in page


def test_bad_addresses_are_field_errors(client, calendar_server, editor_setup) -> None:  # type: ignore[no-untyped-def]
    organisation, editor, _ = editor_setup
    sign_in(client, editor.email)
    calendar_server.serve("/html", b"<html>nope</html>", content_type="text/html")
    for url, message in (("ftp://example.org/x.ics", "Only https:// and webcal:// addresses can be used."),
                         (calendar_server.base_url + "/missing.ics", "The server answered HTTP 404."),
                         (calendar_server.base_url + "/html", "did not return a calendar"),
                         ("", "This field is required.")):
        response = client.post("/manage/sources/new", data={"url": url, "organisation": str(organisation.id)})
        assert response.status_code == 422, url
        assert message in response.get_data(as_text=True)
    assert _count(CalendarSource) == 0


def _connected(make_source, calendar_server, organisation, name: str = "google.ics") -> CalendarSource:  # type: ignore[no-untyped-def]
    source = make_source(calendar_server.serve("/" + name, calendar_file(name)), organisation=organisation,
                         name="Google-kalender")
    assert sync_source(source.id, now=SOURCES_NOW).outcome == "synced"
    return source


def test_an_editor_of_another_organisation_cannot_see_or_touch_it(client, calendar_server, editor_setup, make_source) -> None:  # type: ignore[no-untyped-def]
    organisation, _, outsider = editor_setup
    source = _connected(make_source, calendar_server, organisation)
    sign_in(client, outsider.email)
    assert client.get(f"/manage/sources/{source.id}").status_code == 403
    assert client.get(f"/manage/sources/{source.id}/edit").status_code == 403
    assert client.post(f"/manage/sources/{source.id}/sync").status_code == 403
    assert client.post(f"/manage/sources/{source.id}/disconnect", data={"confirmed": "yes"}).status_code == 403
    assert client.post("/manage/sources/new", data={"url": source.url, "organisation": str(organisation.id),
                                                    "confirmed": "yes"}).status_code in (403, 422)
    assert "Google-kalender" not in client.get("/manage/sources/").get_data(as_text=True)
    assert client.get("/manage/sources/999999").status_code == 404
    assert _count(CalendarSource) == 1


def test_sync_now_and_disconnect_keeps_the_events(client, calendar_server, editor_setup, make_source) -> None:  # type: ignore[no-untyped-def]
    organisation, editor, _ = editor_setup
    source = _connected(make_source, calendar_server, organisation)
    sign_in(client, editor.email)
    response = client.post(f"/manage/sources/{source.id}/sync", follow_redirects=True)
    assert "Synced: nothing has changed." in response.get_data(as_text=True)
    assert "Disconnect" in client.get(f"/manage/sources/{source.id}/disconnect").get_data(as_text=True)
    assert _count(CalendarSource) == 1  # the GET only asks
    response = client.post(f"/manage/sources/{source.id}/disconnect", data={"confirmed": "yes"})
    assert response.status_code == 302
    assert (_count(CalendarSource), _count(SourceEvent), _count(EventSeries)) == (0, 0, 3)
    series = db.session.scalars(sa.select(EventSeries).where(EventSeries.title == "Sommerleir")).one()
    data = events_service.series_data_of(series)
    data.title = "Sommerleir 2026"
    events_service.update_series(series, data, now=SOURCES_NOW)  # an ordinary event again: editable in full
    assert series.title == "Sommerleir 2026"


def test_source_owned_fields_are_read_only_and_refused(client, calendar_server, editor_setup, make_source) -> None:  # type: ignore[no-untyped-def]
    organisation, editor, _ = editor_setup
    _connected(make_source, calendar_server, organisation)
    series = db.session.scalars(sa.select(EventSeries).where(EventSeries.title == "Sommerleir")).one()
    data = events_service.series_data_of(series)
    data.title = "Changed here"
    with pytest.raises(ValidationFailed) as caught:
        events_service.update_series(series, data, now=SOURCES_NOW)
    assert caught.value.field == "title"
    db.session.rollback()
    # What the network adds may change, and survives the next sync of a changed file.
    data = events_service.series_data_of(series)
    data.age_min, data.is_drop_in = 12, True
    events_service.update_series(series, data, now=SOURCES_NOW)
    db.session.commit()
    calendar_server.serve("/google.ics", calendar_file("google.ics").replace(b"SUMMARY:Sommerleir", b"SUMMARY:Sommerleir!"))
    assert sync_source(db.session.scalars(sa.select(CalendarSource)).one().id, now=SOURCES_NOW).outcome == "synced"
    db.session.expire_all()
    series = db.session.get(EventSeries, series.id)
    assert (series.title, series.age_min, series.is_drop_in) == ("Sommerleir!", 12, True)
    sign_in(client, editor.email)
    page = client.get(f"/manage/series/{series.id}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="title"[^>]*readonly', page) or re.search(r'<input[^>]*readonly[^>]*id="title"', page)
    assert "Title (from Google-kalender)" in page
    assert "From Google-kalender" in client.get(f"/manage/series/{series.id}").get_data(as_text=True)


def test_the_demo_calendar_is_served(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/demo/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.data.startswith(b"BEGIN:VCALENDAR")


def test_an_imported_date_is_its_calendars_but_its_venue_and_note_are_ours(client, calendar_server, editor_setup, make_source, factory) -> None:  # type: ignore[no-untyped-def]
    organisation, editor, _ = editor_setup
    _connected(make_source, calendar_server, organisation)
    series = db.session.scalars(sa.select(EventSeries).where(EventSeries.title == "Sommerleir")).one()
    occ = series.occurrences[0]
    start_at, end_at = occ.start_at, occ.end_at
    hall = factory.venue("Sølvberget")
    db.session.commit()
    sign_in(client, editor.email)
    page = client.get(f"/manage/occurrences/{occ.id}").get_data(as_text=True)
    assert "come from the calendar Google-kalender" in page and "Cancel this date" not in page
    assert re.search(r'<input[^>]*id="date"[^>]*readonly', page) or re.search(r'<input[^>]*readonly[^>]*id="date"', page)
    assert "Cancel this date" not in client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    # Cancelling or restoring by hand is refused: the calendar says whether the date takes place.
    for path, data in ((f"/manage/occurrences/{occ.id}/cancel", {"confirmed": "yes", "reason": "x"}),
                       (f"/manage/occurrences/{occ.id}/restore", {})):
        response = client.post(path, data=data)
        assert response.status_code == 400 and "can only be changed there" in response.get_data(as_text=True)
    # Other times are a field error; the same times with another venue and a note are saved.
    local = utc_to_local(start_at, series.timezone)
    local_end = utc_to_local(end_at, series.timezone)
    form = {"date": (local + timedelta(days=1)).date().isoformat(),
            "start_time": local.strftime("%H:%M"), "end_time": local_end.strftime("%H:%M"),
            "venue": str(hall.id), "note": "Inngang fra baksiden"}
    if series.is_all_day:
        form.pop("start_time"), form.pop("end_time")
    response = client.post(f"/manage/occurrences/{occ.id}/move", data=form)
    assert response.status_code == 422 and "can only be changed there" in response.get_data(as_text=True)
    form["date"] = local.date().isoformat()
    assert client.post(f"/manage/occurrences/{occ.id}/move", data=form).status_code == 302
    db.session.expire_all()
    occ = db.session.get(type(occ), occ.id)
    assert (occ.start_at, occ.end_at, occ.status, occ.venue_id, occ.note) == (
        start_at, end_at, "scheduled", hall.id, "Inngang fra baksiden")


def test_an_imported_series_is_cancelled_only_in_its_calendar_but_unpublished_here(client, calendar_server, editor_setup, make_source) -> None:  # type: ignore[no-untyped-def]
    organisation, editor, _ = editor_setup
    _connected(make_source, calendar_server, organisation)
    series = db.session.scalars(sa.select(EventSeries).where(EventSeries.title == "Sommerleir")).one()
    db.session.commit()
    sign_in(client, editor.email)
    assert "Cancel the whole event" not in client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    for path, data in ((f"/manage/series/{series.id}/cancel", {"confirmed": "yes", "reason": "x"}),
                       (f"/manage/series/{series.id}/restore", {})):
        response = client.post(path, data=data)
        assert response.status_code == 400 and "can only be changed there" in response.get_data(as_text=True)
    assert client.get(f"/manage/series/{series.id}/cancel").status_code == 400
    # Hiding it stays the network's choice, and a sync that changes the event keeps it hidden.
    assert client.post(f"/manage/series/{series.id}/unpublish").status_code == 302
    calendar_server.serve("/google.ics", calendar_file("google.ics").replace(
        b"DESCRIPTION:Sommerleir for ungdom", b"DESCRIPTION:Sommerleir for alle"))
    source = db.session.scalars(sa.select(CalendarSource)).one()
    assert sync_source(source.id, now=SOURCES_NOW).outcome == "synced"
    db.session.expire_all()
    series = db.session.get(EventSeries, series.id)
    assert series.status == "draft" and "for alle" in series.description_html


def test_search_finds_imported_events_and_follows_a_changed_sync(client, calendar_server, editor_setup, make_source) -> None:  # type: ignore[no-untyped-def]
    # The sync indexes the series it touched once at its end (not at each flush): still every one.
    organisation, _, _ = editor_setup
    source = _connected(make_source, calendar_server, organisation)

    def titles(word: str) -> set[str]:
        answer = client.get(f"/api/v1/occurrences?start=2026-01-10&end=2026-12-31&q={word}")
        assert answer.status_code == 200
        return {row["title"] for row in answer.get_json()}

    assert titles("sommerleir") == {"Sommerleir"} and titles("hvaler") == {"Sommerleir"}
    assert titles("familielørdag") == {"Familielørdag"}
    calendar_server.serve("/google.ics", calendar_file("google.ics").replace(
        b"DESCRIPTION:Sommerleir for ungdom p\xc3\xa5 Hvaler.", b"DESCRIPTION:Kajakk for ungdom p\xc3\xa5 Tj\xc3\xb8me."))
    assert sync_source(source.id, now=SOURCES_NOW).outcome == "synced"
    assert titles("kajakk") == {"Sommerleir"} and titles("hvaler") == set()
