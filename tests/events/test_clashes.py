"""Venue clashes: the warning after saving a series or moving a date, and /manage/clashes.

The clock stands at Tuesday 2 June 2026, 12:00 in Oslo. Times below are Oslo wall-clock times.
"""
from __future__ import annotations

from datetime import datetime, timezone
from html import unescape

import pytest
import sqlalchemy as sa

from ink.events.models import EventSeries, SeriesStatus
from ink.events.recurrence import Recurrence
from ink.events.clashes import series_clashes
from ink.events.service import cancel_occurrence, cancel_series, move_occurrence
from ink.extensions import db
from tests.events.manage_helpers import series_form


@pytest.fixture
def hall(factory):  # type: ignore[no-untyped-def]
    return factory.venue("Library hall")


@pytest.fixture
def library(factory, auth):  # type: ignore[no-untyped-def]
    """The signed-in editor's organisation."""
    org = factory.organisation("Library")
    factory.user("editor@example.org", editor_of=[org])
    auth.login("editor@example.org")
    return org


@pytest.fixture
def partner(factory):  # type: ignore[no-untyped-def]
    org = factory.organisation("Partner club")
    factory.user("partner@example.org", editor_of=[org])
    return org


def _homework(factory, partner, hall, **kwargs):  # type: ignore[no-untyped-def]
    """Partner club's weekly homework help, Tuesdays 16:00–18:00 at the hall, from 9 June."""
    values = {"organisation": partner, "title": "Homework help", "start_local": datetime(2026, 6, 9, 16, 0),
              "recurrence": Recurrence(freq="weekly"), "duration_minutes": 120, "venue": hall}
    values.update(kwargs)
    return factory.series(**values)


def _flashes(client, response) -> str:  # type: ignore[no-untyped-def]
    """The page the save redirected to, with its flashed messages, as text."""
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return unescape(client.get(response.headers["Location"]).get_data(as_text=True))


def _one_off(org, hall, **overrides):  # type: ignore[no-untyped-def]
    return series_form(org, **{"freq": "once", "weekdays": [], "venue": str(hall.id), **overrides})


def test_a_recurring_series_that_clashes_on_many_dates_is_saved_with_a_summary(client, factory, library, partner, hall):
    _homework(factory, partner, hall)
    # Tuesdays and Thursdays 17:00–19:00 at the hall: every Tuesday overlaps 16:00–18:00.
    page = _flashes(client, client.post("/manage/series/new", data=series_form(library, venue=str(hall.id))))
    assert "The event is saved as a draft" in page
    series = db.session.scalars(sa.select(EventSeries).where(EventSeries.title == "Language café")).one()
    assert series.is_draft  # warned, not blocked
    assert ("Venue clash: 52 dates clash with Homework help (Every Tuesday, 16:00–18:00) at Library hall, "
            "first on Tuesday 9 June 2026, 17:00–19:00.") in page


def test_a_one_off_on_one_clashing_date_names_the_other_event_and_its_time(client, factory, library, partner, hall):
    _homework(factory, partner, hall)
    page = _flashes(client, client.post("/manage/series/new", data=_one_off(
        library, hall, title="Book swap", date="2026-06-16", start_time="17:30", end_time="18:30")))
    assert ("Venue clash: Tuesday 16 June 2026, 17:30–18:30 clashes with Homework help "
            "(Tuesday 16 June 2026, 16:00–18:00) at Library hall.") in page


@pytest.mark.parametrize("overrides", [
    {"start_time": "18:00", "end_time": "19:00"},  # starts when homework help ends: touching, no overlap
    {"start_time": "15:00", "end_time": "16:00"},  # ends when it starts
    {"date": "2026-06-17", "start_time": "16:00", "end_time": "18:00"},  # a Wednesday
])
def test_touching_or_separate_times_do_not_clash(client, factory, library, partner, hall, overrides):
    _homework(factory, partner, hall)
    page = _flashes(client, client.post("/manage/series/new", data=_one_off(
        library, hall, title="Book swap", **{"date": "2026-06-16", **overrides})))
    assert "The event is saved as a draft" in page and "Venue clash:" not in page


def test_the_same_time_at_another_venue_or_without_a_venue_does_not_clash(client, factory, library, partner, hall):
    _homework(factory, partner, hall)
    other = factory.venue("Town hall")
    for venue in (str(other.id), ""):
        page = _flashes(client, client.post("/manage/series/new", data=_one_off(
            library, hall, venue=venue, title="Book swap", date="2026-06-16", start_time="16:00", end_time="18:00")))
        assert "The event is saved as a draft" in page and "Venue clash:" not in page


def test_cancelled_dates_and_cancelled_events_do_not_clash(client, factory, library, partner, hall, clock):
    homework = _homework(factory, partner, hall)
    on_16_june = next(o for o in homework.occurrences if o.start_at == datetime(2026, 6, 16, 14, 0, tzinfo=timezone.utc))
    cancel_occurrence(on_16_june, reason="Exams", now=clock.now())
    quiz = _homework(factory, partner, hall, title="Quiz night", recurrence=Recurrence(), start_local=datetime(2026, 6, 16, 17, 0))
    cancel_series(quiz, reason="No host", now=clock.now())
    db.session.commit()
    page = _flashes(client, client.post("/manage/series/new", data=_one_off(
        library, hall, title="Book swap", date="2026-06-16", start_time="17:00", end_time="18:00")))
    assert "The event is saved as a draft" in page and "Venue clash:" not in page
    # The next Tuesday still clashes: the check itself is working.
    page = _flashes(client, client.post("/manage/series/new", data=_one_off(
        library, hall, title="Book swap 2", date="2026-06-23", start_time="17:00", end_time="18:00")))
    assert "clashes with Homework help" in page


def test_editing_a_series_into_a_clash_warns(client, factory, library, partner, hall):
    _homework(factory, partner, hall)
    mine = factory.series(organisation=library, title="Book swap", start_local=datetime(2026, 6, 16, 17, 0),
                          duration_minutes=60)
    form = _one_off(library, hall, title="Book swap", date="2026-06-16", start_time="17:00", end_time="18:00",
                    version=str(mine.version))
    page = _flashes(client, client.post(f"/manage/series/{mine.id}/edit", data=form))
    assert "Your changes are saved." in page and "clashes with Homework help" in page


def test_moving_a_date_into_a_clash_warns(client, factory, library, partner, hall):
    _homework(factory, partner, hall)
    mine = factory.series(organisation=library, title="Book swap", start_local=datetime(2026, 6, 17, 17, 0),
                          duration_minutes=60, venue=hall)
    occ = mine.occurrences[0]
    page = _flashes(client, client.post(f"/manage/occurrences/{occ.id}/move", data={
        "date": "2026-06-23", "start_time": "17:00", "end_time": "18:00", "venue": ""}))
    assert "The date is changed." in page
    assert ("Venue clash: Tuesday 23 June 2026, 17:00–18:00 clashes with Homework help "
            "(Tuesday 23 June 2026, 16:00–18:00) at Library hall.") in page
    # Moving it away again to another venue: no warning.
    other = factory.venue("Town hall")
    page = _flashes(client, client.post(f"/manage/occurrences/{occ.id}/move", data={
        "date": "2026-06-23", "start_time": "17:00", "end_time": "18:00", "venue": str(other.id)}))
    assert "The date is changed." in page and "Venue clash:" not in page


def test_a_move_of_the_other_event_into_the_venue_is_seen_from_the_venue_override(client, factory, library, partner, hall):
    elsewhere = factory.venue("Town hall")
    homework = _homework(factory, partner, hall, venue=elsewhere)
    first = homework.occurrences[0]  # 9 June, at the town hall like the rest
    assert client.post(f"/manage/occurrences/{first.id}/move", data={}).status_code == 403  # not theirs
    move_occurrence(first, start_at=first.start_at, end_at=first.end_at, venue=hall, note="", now=homework.created_at)
    db.session.commit()
    page = _flashes(client, client.post("/manage/series/new", data=_one_off(
        library, hall, title="Book swap", date="2026-06-09", start_time="17:00", end_time="18:00")))
    assert "clashes with Homework help (Tuesday 9 June 2026, 16:00–18:00) at Library hall" in page


def test_a_draft_counts_and_is_named_only_to_those_who_may_see_it(client, factory, auth, library, partner, hall):
    _homework(factory, partner, hall, title="Secret plans", status=SeriesStatus.DRAFT)
    page = _flashes(client, client.post("/manage/series/new", data=_one_off(
        library, hall, title="Book swap", date="2026-06-16", start_time="17:00", end_time="18:00")))
    assert "clashes with an unpublished event of another organisation" in page
    assert "Secret plans" not in page
    clashes_page = unescape(client.get("/manage/clashes").get_data(as_text=True))
    assert "Book swap (draft)" in clashes_page and "Secret plans" not in clashes_page
    factory.coordinator()
    auth.login("coordinator@example.org")
    clashes_page = unescape(client.get("/manage/clashes").get_data(as_text=True))
    assert "Secret plans (draft)" in clashes_page and "Book swap (draft)" in clashes_page


def test_the_clashes_page_lists_coming_clashes_grouped_for_a_coordinator(client, factory, auth, partner, hall):
    org = factory.organisation("Library")
    _homework(factory, partner, hall)
    factory.series(organisation=org, title="Language café", start_local=datetime(2026, 6, 9, 17, 0),
                   recurrence=Recurrence(freq="weekly", end="count", count=3), duration_minutes=120, venue=hall)
    factory.series(organisation=org, title="Past party", start_local=datetime(2026, 5, 26, 17, 0), venue=hall)
    factory.series(organisation=partner, title="Past homework", start_local=datetime(2026, 5, 26, 16, 0), venue=hall)
    factory.coordinator()
    auth.login("coordinator@example.org")
    response = client.get("/manage/clashes")
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    assert page.count('class="clash-group"') == 1
    assert "3 dates at Library hall" in page
    assert "Tuesday 9 June 2026, 16:00–18:00 overlaps Tuesday 9 June 2026, 17:00–19:00" in page
    assert "Tuesday 23 June 2026" in page and "Tuesday 30 June 2026" not in page
    assert "Past party" not in page  # before now


def test_an_editor_sees_only_the_clashes_of_their_organisations_events(client, factory, auth, library, partner, hall):
    _homework(factory, partner, hall)
    third = factory.organisation("Third")
    factory.series(organisation=third, title="Chess", start_local=datetime(2026, 6, 9, 17, 0), venue=hall)
    factory.series(organisation=library, title="Book swap", start_local=datetime(2026, 6, 16, 17, 0), venue=hall)
    page = unescape(client.get("/manage/clashes").get_data(as_text=True))
    assert page.count('class="clash-group"') == 1
    assert "Book swap" in page and "Homework help" in page and "Chess" not in page
    auth.login("partner@example.org")
    page = unescape(client.get("/manage/clashes").get_data(as_text=True))
    assert page.count('class="clash-group"') == 2 and "Chess" in page and "Book swap" in page
    auth.logout()
    assert client.get("/manage/clashes").status_code == 302  # signed out: to the sign-in page


def test_the_clash_query_is_one_statement(factory, library, partner, hall):
    homework = _homework(factory, partner, hall)
    mine = factory.series(organisation=library, title="Café", start_local=datetime(2026, 6, 9, 17, 0),
                          recurrence=Recurrence(freq="weekly"), duration_minutes=120, venue=hall)
    for row in (homework, mine, hall):  # loaded, as in the view that has just saved
        db.session.refresh(row)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        found = series_clashes(mine, now=datetime(2026, 6, 2, 10, 0, tzinfo=timezone.utc))
        names = {(clash.venue.name, clash.other.series.title, clash.ours.series.title) for clash in found}
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert len(found) == 52 and names == {("Library hall", "Homework help", "Café")}
    assert len(statements) == 1, statements  # 52 clashing dates, one statement (not one per date)
