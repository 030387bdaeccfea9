"""Series screens: create, preview, edit, status changes, and bad input re-rendering with 422."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from ink.core.time import utc_to_local
from ink.events.models import EventSeries, Occurrence, OccurrenceStatus, SeriesStatus
from ink.events.recurrence import Recurrence
from ink.events.service import cancel_occurrence, move_occurrence
from ink.extensions import db
from tests.events.manage_helpers import series_form


@pytest.fixture
def editor_setup(factory, auth):  # type: ignore[no-untyped-def]
    org = factory.organisation("Library")
    other = factory.organisation("Other club")
    user = factory.user("editor@example.org", editor_of=[org])
    auth.login(user.email)
    return org, other, user


def _series_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(EventSeries.id))) or 0


def test_new_series_page_renders_human_recurrence_choices(client, editor_setup):
    response = client.get("/manage/series/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<legend>On these days</legend>" in html
    assert 'name="freq"' in html and 'value="weekly"' in html
    assert "RRULE" not in html
    assert "manage.js" in html and "manage.css" in html
    assert "Polish (pl)" in html  # languages by name


def test_create_weekly_series(client, editor_setup):
    org, _, _ = editor_setup
    response = client.post("/manage/series/new", data=series_form(org, languages=["pl", "es"]))
    assert response.status_code == 302
    series = db.session.scalars(sa.select(EventSeries)).one()
    assert response.headers["Location"].endswith(f"/manage/series/{series.id}")
    assert series.title == "Language café"
    assert series.status == SeriesStatus.DRAFT
    assert series.rrule == "FREQ=WEEKLY;BYDAY=TU,TH"
    assert series.duration_minutes == 120
    assert series.languages == ["es", "pl"]
    assert series.description_html == "<p>Practise <strong>Norwegian</strong></p>"
    page = client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    assert "Every Tuesday and Thursday, 17:00–19:00" in page


def test_description_is_sanitised(client, editor_setup):
    org, _, _ = editor_setup
    client.post("/manage/series/new", data=series_form(
        org, description='<p onclick="x()">Hi</p><script>alert(1)</script><a href="javascript:x">l</a>'))
    series = db.session.scalars(sa.select(EventSeries)).one()
    assert "script" not in series.description_html
    assert "onclick" not in series.description_html
    assert "javascript" not in series.description_html


def test_server_preview_shows_summary_and_next_dates_and_saves_nothing(client, editor_setup):
    org, _, _ = editor_setup
    response = client.post("/manage/series/new", data=series_form(org, title="", preview="1"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Every Tuesday and Thursday, 17:00–19:00" in html
    assert html.count("17:00</li>") == 8
    first = html[html.index('id="preview-dates"'):].split("</li>")[0]
    assert "Tuesday" in first and "June" in first and "9" in first and "2026" in first
    assert "There is a problem" not in html  # the unfinished title is not judged by a preview
    assert _series_count() == 0


def test_json_preview(client, editor_setup):
    org, _, _ = editor_setup
    response = client.post("/manage/series/preview", data=series_form(org, weekdays=["1"], end="count", count="3"),
                           headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["summary"] == "Every Tuesday, 17:00–19:00, 3 times"
    assert len(body["dates"]) == 3
    assert all("Tuesday" in text and text.endswith("17:00") for text in body["dates"])
    assert "16" in body["dates"][1] and "23" in body["dates"][2]
    assert _series_count() == 0


def test_json_preview_names_the_field_at_fault(client, editor_setup):
    org, _, _ = editor_setup
    response = client.post("/manage/series/preview", data=series_form(org, end_time="16:00"),
                           headers={"Accept": "application/json"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["field"] == "end_time"
    assert "after the start" in body["error"]


def test_monthly_nth_weekday_and_yearly(client, editor_setup):
    org, _, _ = editor_setup
    # 2027-03-13 is the second Saturday of March.
    response = client.post("/manage/series/new", data=series_form(
        org, title="Children's World Day", date="2027-03-13", freq="yearly", monthly_mode="nth_weekday", nth="2",
        start_time="11:00", end_time="15:00", age_min="3", age_max="11"))
    assert response.status_code == 302
    series = db.session.scalars(sa.select(EventSeries)).one()
    assert series.rrule == "FREQ=YEARLY;BYMONTH=3;BYDAY=2SA"
    assert (series.age_min, series.age_max) == (3, 11)
    page = client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    assert "3 to 11 years" in page
    assert "Every year on the second Saturday of March" in page


def test_all_day_series(client, editor_setup):
    org, _, _ = editor_setup
    response = client.post("/manage/series/new", data=series_form(
        org, title="Kite festival", freq="once", is_all_day="y", all_day_days="2", start_time="", end_time=""))
    assert response.status_code == 302
    series = db.session.scalars(sa.select(EventSeries)).one()
    assert series.is_all_day and series.all_day_days == 2 and series.rrule is None


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"end_time": "16:00"}, "end_time", "The end time must be after the start time."),
    ({"end_time": "17:00"}, "end_time", "The end time must be after the start time."),
    ({"end_time": ""}, "end_time", "Give an end time."),
    ({"start_time": ""}, "start_time", "Give a start time, or tick All day."),
    ({"end": "count", "count": ""}, "count", "Give the number of times."),
    ({"weekdays": ["1", "9"]}, "weekdays", "not a valid choice"),
    ({"weekdays": ["x"]}, "weekdays", "Invalid choice"),
    ({"weekdays": ["4"]}, "weekdays", "The first date must fall on one of the chosen weekdays."),
    ({"end": "until", "until": "2026-06-01"}, "until", "The last date must not be before the first date."),
    ({"end": "until", "until": ""}, "until", "Choose the last date."),
    ({"end": "count", "count": "0"}, "count", "Number must be between 1 and 1000."),
    ({"end": "count", "count": "5000"}, "count", "Number must be between 1 and 1000."),
    ({"end": "count", "count": "many"}, "count", "Not a valid integer value."),
    ({"interval": "0"}, "interval", "Number must be between 1 and 99."),
    ({"freq": "hourly"}, "freq", "Not a valid choice"),
    ({"title": "x" * 201}, "title", "Field cannot be longer than 200 characters."),
    ({"title": ""}, "title", "This field is required."),
    ({"audience_note": "x" * 201}, "audience_note", "Field cannot be longer than 200 characters."),
    ({"audiences": ["everyone", "martians"]}, "audiences", "not a valid choice"),
    ({"description": "x" * 20_001}, "description", "Field cannot be longer than 20000 characters."),
    ({"organisation": "999999"}, "organisation", "Not a valid choice"),
    ({"organisation": "abc"}, "organisation", "Invalid Choice"),
    ({"venue": "999999"}, "venue", "Not a valid choice"),
    ({"topics": ["999999"]}, "topics", "not a valid choice"),
    ({"coorganisers": ["999999"]}, "coorganisers", "not a valid choice"),
    ({"languages": ["xx-evil"]}, "languages", "not a valid choice"),
    ({"registration_url": "javascript:alert(1)"}, "registration_url", "http:// or https://"),
    ({"registration_url": "ftp://example.org/x"}, "registration_url", "http:// or https://"),
    ({"age_min": "12", "age_max": "3"}, "age_max", "The highest age must not be below the lowest."),
    ({"age_min": "-1"}, "age_min", "Number must be between 0 and 120."),
    ({"date": "2026-02-30"}, "date", "Not a valid date value."),
    ({"start_time": "25:00"}, "start_time", "Not a valid time value."),
    ({"freq": "monthly", "monthly_mode": "nth_weekday", "nth": "3"}, "nth", "not on the chosen week"),
    ({"freq": "monthly", "monthly_mode": "nth_weekday", "nth": "7"}, "nth", "Not a valid choice"),
    ({"is_all_day": "y", "all_day_days": "40"}, "all_day_days", "Number must be between 1 and 31."),
])
def test_bad_input_rerenders_with_422_and_field_message(client, editor_setup, overrides, field, message):
    org, _, _ = editor_setup
    response = client.post("/manage/series/new", data=series_form(org, **overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field}-errors"' in html
    assert message.lower() in html.lower().replace("&#39;", "'")
    assert "There is a problem" in html
    assert f'href="#{field}"' in html  # the error summary links to the field
    assert '="None"' not in html  # no empty ARIA references
    assert _series_count() == 0


def test_editor_cannot_assign_series_to_another_organisation(client, editor_setup):
    org, other, _ = editor_setup
    response = client.post("/manage/series/new", data=series_form(other))
    assert response.status_code == 422
    assert 'id="organisation-errors"' in response.get_data(as_text=True)
    assert _series_count() == 0


def test_editor_cannot_move_own_series_to_another_organisation(client, editor_setup, factory):
    org, other, _ = editor_setup
    series = factory.series(organisation=org, title="Mine")
    response = client.post(f"/manage/series/{series.id}/edit", data=series_form(other, title="Stolen"))
    assert response.status_code == 422
    db.session.expire_all()
    assert series.title == "Mine" and series.organisation_id == org.id


def test_coordinator_may_choose_any_organisation(client, factory, auth):
    factory.organisation("A")
    other = factory.organisation("B")
    factory.coordinator()
    auth.login("coordinator@example.org")
    response = client.post("/manage/series/new", data=series_form(other))
    assert response.status_code == 302
    assert db.session.scalars(sa.select(EventSeries)).one().organisation_id == other.id


def test_status_changes(client, editor_setup, factory):
    org, _, _ = editor_setup
    series = factory.series(organisation=org, status=SeriesStatus.DRAFT)
    assert client.post(f"/manage/series/{series.id}/publish").status_code == 302
    db.session.expire_all()
    assert series.status == SeriesStatus.PUBLISHED
    client.post(f"/manage/series/{series.id}/unpublish")
    db.session.expire_all()
    assert series.status == SeriesStatus.DRAFT
    assert client.get(f"/manage/series/{series.id}/cancel").status_code == 200
    client.post(f"/manage/series/{series.id}/cancel", data={"reason": "No volunteers this season", "confirmed": "yes"})
    db.session.expire_all()
    assert series.status == SeriesStatus.CANCELLED and series.cancel_reason == "No volunteers this season"
    assert "No volunteers this season" in client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    client.post(f"/manage/series/{series.id}/restore")
    db.session.expire_all()
    assert series.status == SeriesStatus.PUBLISHED and series.cancel_reason == ""


def test_cancel_reason_too_long_is_a_field_error(client, editor_setup, factory):
    org, _, _ = editor_setup
    series = factory.series(organisation=org)
    response = client.post(f"/manage/series/{series.id}/cancel", data={"reason": "x" * 301})
    assert response.status_code == 422
    db.session.expire_all()
    assert series.status == SeriesStatus.PUBLISHED


def test_edit_form_is_prefilled(client, editor_setup, factory):
    org, _, _ = editor_setup
    series = factory.series(organisation=org, title="Café", start_local=datetime(2026, 6, 2, 17, 0),
                            recurrence=Recurrence(freq="weekly", weekdays=(1, 3)), duration_minutes=120)
    html = client.get(f"/manage/series/{series.id}/edit").get_data(as_text=True)
    assert 'value="Café"' in html
    assert 'value="17:00"' in html and 'value="19:00"' in html
    assert "Every Tuesday and Thursday, 17:00–19:00" in html


def _weekly(factory, org):  # type: ignore[no-untyped-def]
    return factory.series(organisation=org, title="Café", start_local=datetime(2026, 6, 2, 17, 0),
                          recurrence=Recurrence(freq="weekly", weekdays=(1,)), duration_minutes=120)


def _occurrences(series: EventSeries) -> list[Occurrence]:
    return list(db.session.scalars(
        sa.select(Occurrence).where(Occurrence.series_id == series.id).order_by(Occurrence.original_start_at)))


def test_editing_title_keeps_cancelled_and_moved_exceptions(client, editor_setup, factory, clock):
    org, _, _ = editor_setup
    series = _weekly(factory, org)
    first, second = _occurrences(series)[1:3]
    cancel_occurrence(first, reason="Holiday", now=clock.now())
    move_occurrence(second, start_at=second.start_at + timedelta(hours=1), end_at=second.end_at + timedelta(hours=1),
                    venue=None, note="One hour later", now=clock.now())
    db.session.commit()
    first_id, second_id, moved_start = first.id, second.id, second.start_at
    response = client.post(f"/manage/series/{series.id}/edit", data=series_form(
        org, title="International café", date="2026-06-02", weekdays=["1"]))
    assert response.status_code == 302
    db.session.expire_all()
    assert series.title == "International café"
    first, second = db.session.get(Occurrence, first_id), db.session.get(Occurrence, second_id)
    assert first.status == OccurrenceStatus.CANCELLED and first.cancel_reason == "Holiday"
    assert second.is_moved and second.start_at == moved_start and second.note == "One hour later"


def test_editing_the_time_regenerates_future_but_never_past(client, editor_setup, factory, clock):
    org, _, _ = editor_setup
    series = _weekly(factory, org)
    before = {occ.id: (occ.start_at, occ.end_at) for occ in _occurrences(series)}
    clock.advance(days=21)  # three Tuesdays are now in the past
    now = clock.now()
    response = client.post(f"/manage/series/{series.id}/edit", data=series_form(
        org, date="2026-06-02", weekdays=["1"], start_time="18:00", end_time="20:00"))
    assert response.status_code == 302
    db.session.expire_all()
    after = _occurrences(series)
    past = [occ for occ in after if occ.original_start_at < now]
    future = [occ for occ in after if occ.original_start_at >= now]
    assert len(past) == 3
    for occ in past:
        assert before[occ.id] == (occ.start_at, occ.end_at)  # untouched, same rows
    assert future and all(utc_to_local(occ.start_at, "Europe/Oslo").hour == 18 for occ in future)
    assert all(occ.end_at - occ.start_at == timedelta(hours=2) for occ in future)
    assert series.sequence >= 1
