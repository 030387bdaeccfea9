"""The programme page: what residents see, grouped by local day, and what they never see."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from ink.events.models import SeriesStatus
from ink.events.recurrence import Recurrence
from ink.events.service import cancel_occurrence, cancel_series, move_occurrence, occurrences_between
from ink.extensions import db
from ink.page_cache import CONTENT_VERSION_SQL


def day_sections(html: str) -> dict[str, str]:
    """The programme's day sections keyed by their ISO date."""
    sections = re.findall(r'<section class="programme-day" aria-labelledby="day-([0-9-]+)">(.*?)</section>', html, re.S)
    return dict(sections)


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        # Savepoints are the test fixture's transaction bookkeeping (each test is rolled back), not queries;
        # the page cache's version lookup is one per process per second at most, not the page's.
        if statement == CONTENT_VERSION_SQL:
            return
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_programme_shows_published_and_hides_drafts(client, factory):
    factory.series(title="Language café", recurrence=Recurrence(freq="weekly", weekdays=(1, 3)),
                   start_local=datetime(2026, 6, 2, 17, 0))
    factory.series(title="Secret planning", status=SeriesStatus.DRAFT, start_local=datetime(2026, 6, 3, 18, 0))

    response = client.get("/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Language café" in html
    assert "Secret planning" not in html
    # Today (Tuesday 2 June, 17:00 Oslo) and Thursday 4 June are listed; the default window is 14 days.
    sections = day_sections(html)
    assert list(sections)[:2] == ["2026-06-02", "2026-06-04"]
    assert max(sections) <= "2026-06-15"
    assert "17:00" in sections["2026-06-02"] and "19:00" in sections["2026-06-02"]


def test_occurrences_that_have_ended_today_are_not_listed(client, factory):
    factory.series(title="Morning yoga", start_local=datetime(2026, 6, 2, 8, 0), duration_minutes=60)  # ended 09:00
    factory.series(title="Evening choir", start_local=datetime(2026, 6, 2, 19, 0))

    html = client.get("/").get_data(as_text=True)

    assert "Evening choir" in html
    assert "Morning yoga" not in html


def test_cancelled_occurrence_and_series_are_marked_with_reason(client, factory, clock):
    weekly = factory.series(title="Cultural café", recurrence=Recurrence(freq="weekly"),
                            start_local=datetime(2026, 6, 3, 18, 0))
    cancel_occurrence(weekly.occurrences[0], reason="Hall booked", now=clock.now())
    one_off = factory.series(title="Football tournament", start_local=datetime(2026, 6, 6, 10, 0))
    cancel_series(one_off, reason="Sports hall closed", now=clock.now())
    db.session.commit()

    sections = day_sections(client.get("/").get_data(as_text=True))

    assert "Cancelled" in sections["2026-06-03"] and "Hall booked" in sections["2026-06-03"]
    assert "Cancelled" not in sections["2026-06-10"]
    assert "Football tournament" in sections["2026-06-06"]
    assert "Sports hall closed" in sections["2026-06-06"]


def test_moved_occurrence_is_shown_at_its_new_time_and_day(client, factory, clock):
    series = factory.series(title="Language café", recurrence=Recurrence(freq="weekly"),
                            start_local=datetime(2026, 6, 4, 17, 0))
    occ = series.occurrences[0]
    # Thursday 17:00 -> Friday 16:00 (14:00 UTC in summer time).
    new_start = datetime(2026, 6, 5, 14, 0, tzinfo=timezone.utc)
    move_occurrence(occ, start_at=new_start, end_at=new_start + timedelta(hours=2), venue=None,
                    note="Meet in the garden", now=clock.now())
    db.session.commit()

    sections = day_sections(client.get("/").get_data(as_text=True))

    assert "2026-06-04" not in sections
    friday = sections["2026-06-05"]
    assert "Language café" in friday and "16:00" in friday and "18:00" in friday
    assert "Moved from Thursday" in friday and "Meet in the garden" in friday


def test_days_are_local_days_across_the_autumn_clock_change(client, factory, clock):
    clock.set(datetime(2026, 10, 20, 8, 0, tzinfo=timezone.utc))
    # Daily at 00:30 Oslo time: 22:30Z the previous UTC day in summer time, 23:30Z in winter time.
    factory.series(title="Night walk", recurrence=Recurrence(freq="daily", end="count", count=7),
                   start_local=datetime(2026, 10, 22, 0, 30), duration_minutes=60)

    sections = day_sections(client.get("/?start=2026-10-22&days=7").get_data(as_text=True))

    assert list(sections) == [f"2026-10-{day}" for day in range(22, 29)]
    for html in sections.values():
        assert html.count("Night walk") == 1
        assert "00:30" in html and "01:30" in html
    assert "Sunday 25 October" in sections["2026-10-25"]


def test_period_navigation_links_and_custom_window(client, factory):
    factory.series(title="Later event", start_local=datetime(2026, 6, 20, 12, 0))

    html = client.get("/?start=2026-06-19&days=7").get_data(as_text=True)

    assert "Later event" in html
    assert 'href="/?start=2026-06-12&amp;days=7"' in html
    assert 'href="/?start=2026-06-26&amp;days=7"' in html
    assert "Later event" not in client.get("/?start=2026-06-21&days=3").get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "start=yesterday", "start=2026-13-01", "start=0001-01-01", "start=9999-12-31", "days=0", "days=-3",
    "days=abc", "days=1000", "days=²", "days=%D9%A3", "days=%2B5", "days= 5x", "days=1e3", "start=2026-06-01&days=63", "start=%00",
])
def test_bad_window_parameters_give_400_not_500(client, query):
    response = client.get(f"/?{query}")

    assert response.status_code == 400
    assert "Programme" in response.get_data(as_text=True)  # the site's error page, not a stack trace


def test_titles_are_escaped_and_descriptions_sanitised(client, factory):
    series = factory.series(title="<script>alert('x')</script> café",
                            description_html="<p>Hi</p><script>alert(1)</script><img src=x onerror=alert(2)>")

    programme = client.get("/").get_data(as_text=True)
    event = client.get(f"/events/{series.id}").get_data(as_text=True)

    for html in (programme, event):
        assert "<script>alert" not in html
        assert "&lt;script&gt;" in html
    assert "onerror" not in event and "<p>Hi</p>" in event


def test_programme_query_count_does_not_grow_with_events(client, factory):
    def add(n: int) -> None:
        for _ in range(n):
            factory.series(organisation=factory.organisation(), venue=factory.venue(),
                           recurrence=Recurrence(freq="weekly"), start_local=datetime(2026, 6, 3, 18, 0))

    add(2)
    db.session.remove()
    with count_queries() as few:
        assert client.get("/").status_code == 200
    add(10)
    db.session.remove()
    with count_queries() as many:
        assert client.get("/").status_code == 200

    assert len(many) == len(few)
    # the occurrences, their languages, topics and text versions (issue 12), and the filter form's choices (one query)
    assert len(many) <= 5


def test_occurrences_between_a_month_matches_the_programme(app, factory):
    factory.series(recurrence=Recurrence(freq="weekly", weekdays=(1, 3)), start_local=datetime(2026, 6, 2, 17, 0))
    june = occurrences_between(datetime(2026, 6, 1, tzinfo=timezone.utc), datetime(2026, 7, 1, tzinfo=timezone.utc))

    assert len(june) == 9  # Tuesdays and Thursdays from 2 June to 30 June


def test_multi_day_event_under_way_is_listed_on_the_first_day_shown(client, factory):
    factory.series(title="Summer camp", start_local=datetime(2026, 6, 1, 0, 0), is_all_day=True, all_day_days=3,
                   duration_minutes=None)

    sections = day_sections(client.get("/").get_data(as_text=True))

    assert "Summer camp" in sections["2026-06-02"]
    assert "All day" in sections["2026-06-02"]


def test_weekly_evening_keeps_its_local_time_across_the_spring_clock_change(client, factory, clock):
    clock.set(datetime(2026, 3, 20, 8, 0, tzinfo=timezone.utc))
    factory.series(title="Choir", recurrence=Recurrence(freq="weekly"), start_local=datetime(2026, 3, 24, 18, 0))

    sections = day_sections(client.get("/?start=2026-03-22&days=14").get_data(as_text=True))

    assert set(sections) == {"2026-03-24", "2026-03-31"}  # before and after 29 March
    for html in sections.values():
        assert "18:00" in html and "20:00" in html
