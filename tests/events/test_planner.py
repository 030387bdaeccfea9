"""The year planner /manage/planner/<year>: a constructed 2026 seen by a coordinator and by editors."""
from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa

from ink.events.models import SeriesStatus, Venue
from ink.events.recurrence import Recurrence
from ink.events.service import cancel_occurrence, cancel_series
from ink.extensions import db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def year(factory, clock):  # type: ignore[no-untyped-def]
    """2026: an annual day, a one-off, a weekly series starting and ending, a cancelled date, a clash,
    a cancelled weekly series, and a draft of each organisation."""
    library = factory.organisation("Library")
    partner = factory.organisation("Partner club")
    factory.user("editor@example.org", editor_of=[library])
    factory.user("partner@example.org", editor_of=[partner])
    factory.coordinator()
    hall = factory.venue("Library hall")
    factory.series(organisation=library, title="Children's World Day", start_local=datetime(2026, 3, 14, 11, 0),
                   recurrence=Recurrence(freq="yearly", monthly_mode="nth_weekday", nth=2), duration_minutes=300)
    factory.series(organisation=partner, title="Kite festival", start_local=datetime(2026, 8, 22, 12, 0),
                   duration_minutes=240)
    cafe = factory.series(organisation=library, title="Language café", start_local=datetime(2026, 9, 1, 17, 0),
                          recurrence=Recurrence(freq="weekly", end="count", count=10), duration_minutes=120,
                          venue=hall)
    cancel_occurrence(cafe.occurrences[2], reason="Holiday", now=clock.now())  # 15 September
    factory.series(organisation=partner, title="Quiz night", start_local=datetime(2026, 9, 8, 18, 0),
                   duration_minutes=120, venue=hall)
    chess = factory.series(organisation=partner, title="Chess club", start_local=datetime(2026, 10, 7, 18, 0),
                           recurrence=Recurrence(freq="weekly"), duration_minutes=60)
    cancel_series(chess, reason="No room", now=clock.now())
    factory.series(organisation=library, title="Library draft", start_local=datetime(2026, 11, 20, 12, 0),
                   status=SeriesStatus.DRAFT)
    factory.series(organisation=partner, title="Partner draft", start_local=datetime(2026, 12, 4, 12, 0),
                   status=SeriesStatus.DRAFT)
    factory.series(organisation=library, title="Next year's fair", start_local=datetime(2027, 2, 6, 12, 0))
    db.session.commit()


def _months(html: str) -> dict[str, str]:
    """The text of each month's section, by its heading."""
    sections = re.findall(r'<section class="planner-month"[^>]*>\s*<h2[^>]*>([^<]+)</h2>(.*?)</section>', html, re.S)
    return {name: " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split()).replace(" ,", ",") for name, body in sections}


def _planner(client, auth, email: str, year: int = 2026) -> dict[str, str]:  # type: ignore[no-untyped-def]
    auth.login(email)
    response = client.get(f"/manage/planner/{year}")
    assert response.status_code == 200
    return _months(response.get_data(as_text=True))


def test_the_coordinator_sees_every_kind_of_entry_in_its_month(client, auth, year):
    months = _planner(client, auth, "coordinator@example.org")
    assert list(months) == ["January 2026", "February 2026", "March 2026", "April 2026", "May 2026", "June 2026",
                            "July 2026", "August 2026", "September 2026", "October 2026", "November 2026",
                            "December 2026"]
    assert "14 Mar 2026 Annual Children's World Day" in months["March 2026"]
    assert "22 Aug 2026 One-off Kite festival" in months["August 2026"]
    september = months["September 2026"]
    assert "1 Sept 2026 Starts Language café Library hall" in september
    assert "15 Sept 2026 Cancelled date Language café" in september
    assert "8 Sept 2026 One-off Quiz night Library hall ⚠" in september
    assert "22 Sept 2026" not in september  # an ordinary date of a running series is not listed
    assert "3 Nov 2026 Last date Language café" in months["November 2026"]
    assert "7 Oct 2026 Whole event cancelled Chess club" in months["October 2026"]
    assert months["October 2026"].count("Chess club") == 1
    assert "Library draft (draft)" in months["November 2026"]
    assert "Partner draft (draft)" in months["December 2026"]
    assert "Next year's fair" not in " ".join(months.values())


def test_clashes_are_marked_and_listed_in_their_month(client, auth, year):
    september = _planner(client, auth, "coordinator@example.org")["September 2026"]
    assert "Venue clashes ⚠ Language café and Quiz night at Library hall: 1 date, first Tuesday 8 September 2026" \
        in september
    assert "8 Sept 2026 Language café" not in september  # ordinary dates are not entries, the clash says it


def test_empty_weeks_are_the_iso_weeks_without_a_public_date(client, auth, year):
    months = _planner(client, auth, "coordinator@example.org")
    january, august = months["January 2026"], months["August 2026"]
    # ISO week 1 of 2026 runs from Monday 29 December 2025; its Thursday is 1 January.
    assert "Empty weeks: week 1 (29 Dec 2025–4 Jan 2026), week 2 (5 Jan 2026–11 Jan 2026)" in january
    assert "week 34" not in august  # the kite festival on Saturday 22 August
    assert "week 33 (10 Aug 2026–16 Aug 2026)" in august
    assert "week 37" not in months["September 2026"]  # the café on Tuesday 8 September
    assert "week 38 (14 Sept 2026–20 Sept 2026)" in months["September 2026"]  # its date that week is cancelled
    assert "week 47 (16 Nov 2026–22 Nov 2026)" in months["November 2026"]  # only a draft that week
    # 2026 has 53 ISO weeks; busy: 11 (14 March), 34 (22 August) and the café's 10 weeks but week 38.
    page = client.get("/manage/planner/2026").get_data(as_text=True)
    assert "42 empty weeks this year." in page


def test_an_editor_sees_public_events_and_only_their_own_drafts(client, auth, year):
    months = _planner(client, auth, "editor@example.org")
    assert "Library draft (draft)" in months["November 2026"]
    assert "Partner draft" not in months["December 2026"]
    assert "Kite festival" in months["August 2026"]  # another organisation's public event
    assert "Drafts are shown for your own organisations only." in client.get("/manage/planner/2026").get_data(
        as_text=True)
    months = _planner(client, auth, "partner@example.org")
    assert "Partner draft (draft)" in months["December 2026"] and "Library draft" not in months["November 2026"]


def test_a_clash_with_a_hidden_draft_is_shown_only_to_who_may_see_the_draft(client, auth, factory, year):
    partner = factory.organisation("Third club")
    factory.user("third@example.org", editor_of=[partner])
    hall = db.session.scalars(sa.select(Venue)).one()
    factory.series(organisation=partner, title="Secret rehearsal", start_local=datetime(2026, 9, 22, 17, 30),
                   duration_minutes=60, venue=hall, status=SeriesStatus.DRAFT)
    september = _planner(client, auth, "coordinator@example.org")["September 2026"]
    assert "Language café and Secret rehearsal (draft) at Library hall: 1 date" in september
    september = _planner(client, auth, "editor@example.org")["September 2026"]
    assert "Secret rehearsal" not in september and september.count("⚠") == 2  # the quiz night's clash only
    september = _planner(client, auth, "third@example.org")["September 2026"]
    assert "Language café and Secret rehearsal (draft) at Library hall" in september


def test_previous_and_next_years_are_linked_and_the_page_prints(client, auth, year):
    auth.login("editor@example.org")
    html = client.get("/manage/planner/2026").get_data(as_text=True)
    assert 'href="/manage/planner/2025"' in html and 'href="/manage/planner/2027"' in html
    assert 'class="manage planner-page"' in html
    css = (ROOT / "ink" / "static" / "manage.css").read_text(encoding="utf-8")
    print_rules = css[css.index("@media print", css.index("The year planner")):]
    assert ".planner-page .manage-nav" in print_rules and ".planner {" in print_rules
    months = _months(client.get("/manage/planner/2027").get_data(as_text=True))
    assert "13 Mar 2027 Annual Children's World Day" in months["March 2027"]  # second Saturday again
    assert "6 Feb 2027 One-off Next year's fair" in months["February 2027"]


def test_the_planner_starts_at_this_year_and_refuses_years_out_of_range(client, auth, year):
    auth.login("editor@example.org")
    response = client.get("/manage/planner/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/manage/planner/2026")
    assert client.get("/manage/planner/1999").status_code == 404
    assert client.get("/manage/planner/99999").status_code == 404
    auth.logout()
    assert client.get("/manage/planner/2026").status_code == 302  # to the sign-in page
