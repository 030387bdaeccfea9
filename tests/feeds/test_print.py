"""/print: the programme on an A4 sheet, with the feeds' filters, QR codes and weekly regulars summarised.

The clock stands at Tuesday 2 June 2026, 12:00 in Oslo; the sheet covers four weeks by default
(2 to 29 June).
"""
from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta

import pytest

from ink.core.time import local_to_utc
from ink.demo import seed_demo
from ink.events import service
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.feeds.views import qr_svg
from ink.i18n import LANGUAGE_COOKIE
from ink.organisations.models import OrganisationStatus
from tests.feeds.network import occurrence_on

TZ = "Europe/Oslo"
BASE = "https://ink.example.org"


def _page(client, query: str = "") -> str:  # type: ignore[no-untyped-def]
    response = client.get("/print" + query)
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def _regular(html: str) -> str:
    """The "Every week" section ("" when there is none)."""
    found = re.search(r'<section class="print-regular".*?</section>', html, re.S)
    return found.group(0) if found else ""


def _day(html: str, iso: str) -> str:
    found = re.search(rf'<section class="print-day" aria-labelledby="print-day-{iso}">.*?</section>', html, re.S)
    return found.group(0) if found else ""


def _days(html: str) -> list[str]:
    return re.findall(r'aria-labelledby="print-day-([0-9-]+)"', html)


@pytest.fixture
def cafe(factory):  # type: ignore[no-untyped-def]
    library = factory.venue("Sølvberget", slug="solvberget", address="Sølvberggata 2")
    organisation = factory.organisation("Språkkafé Stavanger")
    return factory.series(organisation=organisation, title="Language café",
                          recurrence=Recurrence(freq="weekly", weekdays=(1, 3)), venue=library,
                          duration_minutes=120)


@pytest.fixture
def concert(factory):  # type: ignore[no-untyped-def]
    hall = factory.venue("Folken", slug="folken")
    organisation = factory.organisation("Kulturhuset")
    return factory.series(organisation=organisation, title="Summer concert", venue=hall,
                          start_local=datetime(2026, 6, 5, 19, 30), duration_minutes=90)


def test_a_weekly_series_is_one_line_and_a_single_date_is_listed_under_its_day(client, cafe, concert) -> None:  # type: ignore[no-untyped-def]
    html = _page(client)
    assert "<h1>INK Events</h1>" in html
    assert "Tuesday 2 June to Monday 29 June 2026" in html
    regular = _regular(html)
    # eight dates (Tuesdays and Thursdays 2–25 June) printed once
    assert "Every Tuesday and Thursday, <bdi dir=\"ltr\">18:00–20:00</bdi>" in regular
    assert "Language café" in regular and "Sølvberget · <bdi>Språkkafé Stavanger</bdi>" in regular
    assert html.count("Language café") == 1  # not once per date
    assert _days(html) == ["2026-06-05"]
    friday = _day(html, "2026-06-05")
    assert "Friday 5 June" in friday
    assert "19:30–21:00" in friday and "Summer concert" in friday and "<bdi>Folken</bdi> · <bdi>Kulturhuset</bdi>" in friday


def test_a_fortnightly_series_and_one_with_a_moved_date_are_listed_day_by_day(client, factory, clock, cafe) -> None:  # type: ignore[no-untyped-def]
    factory.series(title="Chess club", recurrence=Recurrence(freq="weekly", interval=2),
                   start_local=datetime(2026, 6, 3, 17, 0), duration_minutes=60)
    occ = occurrence_on(cafe, datetime(2026, 6, 11).date())
    service.move_occurrence(occ, start_at=local_to_utc(datetime(2026, 6, 12, 18), TZ),
                            end_at=local_to_utc(datetime(2026, 6, 12, 20), TZ), venue=None, note="", now=clock.now())
    db.session.commit()
    html = _page(client, "?days=56")
    assert _regular(html) == ""
    assert [day for day in _days(html) if "Chess club" in _day(html, day)] == [
        "2026-06-03", "2026-06-17", "2026-07-01", "2026-07-15"]
    assert "Language café" in _day(html, "2026-06-12") and "Moved from Thursday 11 June at 18:00" in html
    assert "Language café" not in _day(html, "2026-06-11")


def test_a_date_at_another_venue_breaks_the_summary(client, factory, clock, cafe) -> None:  # type: ignore[no-untyped-def]
    occ = occurrence_on(cafe, datetime(2026, 6, 11).date())
    service.move_occurrence(occ, start_at=occ.start_at, end_at=occ.end_at, venue=factory.venue("Kulturhuset"),
                            note="", now=clock.now())
    db.session.commit()
    html = _page(client)
    assert _regular(html) == ""
    assert "Kulturhuset" in _day(html, "2026-06-11") and "Sølvberget" in _day(html, "2026-06-09")


def test_a_series_starting_within_the_period_says_from_when(client, factory) -> None:  # type: ignore[no-untyped-def]
    factory.series(title="Homework help", recurrence=Recurrence(freq="weekly"),
                   start_local=datetime(2026, 6, 10, 15, 0), duration_minutes=90)
    regular = _regular(_page(client))
    assert "Every Wednesday, <bdi dir=\"ltr\">15:00–16:30</bdi> (from Wednesday 10 June)" in regular


def test_cancelled_dates_are_marked(client, factory, clock, cafe, concert) -> None:  # type: ignore[no-untyped-def]
    service.cancel_occurrence(occurrence_on(cafe, datetime(2026, 6, 11).date()), reason="Holiday", now=clock.now())
    service.cancel_occurrence(concert.occurrences[0], reason="Rain", now=clock.now())
    db.session.commit()
    html = _page(client)
    regular = _regular(html)
    assert "Every Tuesday and Thursday" in regular
    assert "Cancelled on Thursday 11 June" in regular
    friday = _day(html, "2026-06-05")
    assert 'class="print-item is-cancelled"' in friday and "Cancelled" in friday


def test_the_filters_select_as_the_feeds_do_and_name_the_selection(client, factory, cafe, concert) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "?organisation=kulturhuset")
    assert "<h1>INK Events: Kulturhuset</h1>" in html
    assert "Summer concert" in html and "Language café" not in html
    html = _page(client, "?venue=solvberget")
    assert "<h1>INK Events: Sølvberget</h1>" in html
    assert "Language café" in html and "Summer concert" not in html
    html = _page(client, "?venue=solvberget&venue=folken")
    assert "Language café" in html and "Summer concert" in html
    assert "Nothing is planned in this period yet." in _page(client, "?organisation=kulturhuset&venue=solvberget")


def test_only_public_organisations_are_printed(client, factory, cafe, concert) -> None:  # type: ignore[no-untyped-def]
    concert.organisation.status = OrganisationStatus.ARCHIVED
    db.session.commit()
    html = _page(client)
    assert "Summer concert" not in html and "Language café" in html


def test_start_and_days_choose_the_period(client, cafe, concert) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "?start=2026-06-04&days=2")
    assert "Thursday 4 June to Friday 5 June 2026" in html
    assert _days(html) == ["2026-06-04", "2026-06-05"]  # two dates of the café: too few for a summary
    assert _regular(html) == ""
    assert "Friday 5 June 2026" in _page(client, "?start=2026-06-05&days=1")


def test_qr_codes_encode_the_programme_and_its_feed_with_the_filter(app, client, cafe) -> None:  # type: ignore[no-untyped-def]
    html = _page(client, "?venue=solvberget&dropin=")
    programme, calendar = f"{BASE}/?venue=solvberget", f"{BASE}/calendar.ics?venue=solvberget"
    with app.test_request_context():
        assert str(qr_svg(programme)) in html
        assert str(qr_svg(calendar)) in html
        assert str(qr_svg(f"{BASE}/")) not in html
    assert '<span class="print-url">ink.example.org/?venue=solvberget</span>' in html
    assert '<span class="print-url">ink.example.org/calendar.ics?venue=solvberget</span>' in html
    plain = _page(client)
    assert '<span class="print-url">ink.example.org</span>' in plain
    assert '<span class="print-url">ink.example.org/calendar.ics</span>' in plain


def test_the_page_has_a_print_button_run_by_a_script_and_print_css(client, cafe) -> None:  # type: ignore[no-untyped-def]
    html = _page(client)
    assert '<button type="button" data-print hidden>Print</button>' in html
    assert re.search(r'<script src="/static/print\.js\?v=[0-9a-f]+" defer>', html)
    with client.get("/static/print.css") as css:
        assert b"@page { size: A4" in css.data
    with client.get("/static/print.js") as script:
        assert b"window.print()" in script.data


def test_linked_from_the_programme_and_the_subscribe_page(client, cafe, concert) -> None:  # type: ignore[no-untyped-def]
    assert 'href="/print"' in client.get("/").get_data(as_text=True)
    # the programme's own query (its filters and period) is passed on as it is
    assert 'href="/print?venue=solvberget&amp;days=7"' in client.get("/?venue=solvberget&days=7").get_data(as_text=True)
    subscribe = client.get("/subscribe?organisation=kulturhuset&dropin=1").get_data(as_text=True)
    assert 'href="/print?organisation=kulturhuset&amp;dropin=1"' in subscribe
    assert 'href="/print"' in client.get("/subscribe").get_data(as_text=True)


@pytest.mark.parametrize(("query", "message"), [
    ("?topic=no-such-topic", "Unknown topic: no-such-topic."),
    ("?audience=martians", "Unknown audience: martians."),
    ("?dropin=yes", "Parameter dropin must be 1 (or left out)."),
    ("?start=2026-13-01", "The start date must look like 2026-06-02."),
    ("?start=20260602", "The start date must look like 2026-06-02."),
    ("?days=0", "The number of days must be between 1 and 62."),
    ("?days=63", "The number of days must be between 1 and 62."),
    ("?days=%D9%A3", "The number of days must be between 1 and 62."),
])
def test_unknown_values_are_a_clear_400_page(client, cafe, query: str, message: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/print" + query)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)


def test_in_bokmal(client, cafe, concert) -> None:  # type: ignore[no-untyped-def]
    client.set_cookie(LANGUAGE_COOKIE, "nb")
    html = _page(client, "?venue=solvberget")
    assert '<html lang="nb" dir="ltr">' in html
    assert "Hver tirsdag og torsdag, <bdi dir=\"ltr\">18:00–20:00</bdi>" in html
    assert "Hver uke" in html and "Skriv ut" in html
    assert "tirsdag 2. juni til mandag 29. juni 2026" in html


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@pytest.mark.browser
def test_the_demo_programme_prints_on_at_most_two_a4_pages(app, live_server, browser, clock) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.print_page_options import PrintOptions

    with app.app_context():
        seed_demo(moment=clock.now())
        db.session.commit()
    browser.get(live_server.url + "/print")
    assert browser.find_element("css selector", "button[data-print]").is_displayed()
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7  # A4 in centimetres
    options.background = True
    pdf = base64.b64decode(browser.print_page(options))
    assert pdf.startswith(b"%PDF")
    assert 1 <= _pdf_pages(pdf) <= 2
    assert not [entry for entry in browser.get_log("browser")
                if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]]
