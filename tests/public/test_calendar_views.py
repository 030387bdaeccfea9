"""The programme as a week or month grid (``?view=week|month``) and its quick dates ("Today", "This
weekend", "This week"): real tables with headers, the right days in the network's zone (across the
daylight-saving changes too), busy days summed up as "+N more", and the filter kept by every link."""
from __future__ import annotations

from datetime import date, datetime, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest

from ink.events.recurrence import Recurrence
from ink.events.service import cancel_occurrence
from ink.i18n import LANGUAGE_COOKIE
from tests.public.calendar_html import Element, parse

ENGLISH_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def get(client, url: str) -> Element:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return parse(response.get_data(as_text=True))


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def grid(page: Element) -> Element:
    return page.find("table", "calendar")


def cells(page: Element) -> dict[str, Element]:
    """Each day cell by its ISO date."""
    return {td.find("time").attrs["datetime"]: td for td in grid(page).find_all("td")}


def events_in(cell: Element) -> list[str]:
    """"18:00 Title" for each event a cell lists (its time, or "All day"/"continued", and title)."""
    return [f"{li.find('span', 'calendar-event-time').text()} {li.find('a').text()}"
            for li in cell.find_all("li", "calendar-event")]


def link(page: Element, text: str) -> Element:
    found = [a for a in page.find_all("a") if a.text() == text]
    assert len(found) == 1, f"{len(found)} links {text!r}"
    return found[0]


def test_the_week_view_is_a_table_of_seven_days_from_monday(client, factory) -> None:  # type: ignore[no-untyped-def]
    factory.series(title="Evening talk", start_local=datetime(2026, 6, 3, 17, 0))
    factory.series(title="Morning yoga", start_local=datetime(2026, 6, 3, 9, 0))
    factory.series(title="Sunday walk", start_local=datetime(2026, 6, 7, 11, 0))
    factory.series(title="Next Monday", start_local=datetime(2026, 6, 8, 11, 0))
    page = get(client, "/?view=week&start=2026-06-04")
    table = grid(page)

    assert table.find("caption").text() == "Week from 1 June 2026 to 7 June 2026"
    headers = table.find("thead").find_all("th")
    assert [th.attrs.get("scope") for th in headers] == ["col"] * 7
    assert [th.find("span", "visually-hidden").text() for th in headers] == ENGLISH_WEEKDAYS
    rows = table.find("tbody").find_all("tr")
    assert len(rows) == 1 and len(rows[0].find_all("td")) == 7
    days = cells(page)
    assert list(days) == [f"2026-06-0{n}" for n in range(1, 8)]
    # Each cell is labelled with its full date.
    assert [td.find("span", "calendar-day-full").text() for td in days.values()] == [
        f"{name} {n} June 2026" for n, name in enumerate(ENGLISH_WEEKDAYS, start=1)]
    assert [td.find("span", "calendar-day-number").text() for td in days.values()] == [str(n) for n in range(1, 8)]
    # In time order per day, on the right day; next Monday is not in this week.
    assert events_in(days["2026-06-03"]) == ["09:00 Morning yoga", "17:00 Evening talk"]
    assert events_in(days["2026-06-07"]) == ["11:00 Sunday walk"]
    assert "Next Monday" not in table.text()
    assert "is-today" in days["2026-06-02"].classes


def test_the_week_view_in_bokmaal(client, factory) -> None:  # type: ignore[no-untyped-def]
    client.set_cookie(LANGUAGE_COOKIE, "nb")
    page = get(client, "/?view=week&start=2026-06-04")
    headers = grid(page).find("thead").find_all("th")

    assert [th.find("span", "visually-hidden").text() for th in headers][:2] == ["mandag", "tirsdag"]
    assert cells(page)["2026-06-01"].find("span", "calendar-day-full").text() == "mandag 1. juni 2026"
    assert link(page, "Denne uka").attrs["href"]  # the shortcuts are translated too


@pytest.mark.parametrize(("start", "first", "change_day"), [
    ("2026-10-22", date(2026, 10, 19), "2026-10-25"),  # summer time ends on Sunday 25 October 2026
    ("2027-03-24", date(2027, 3, 22), "2027-03-28"),  # and begins on Sunday 28 March 2027
])
def test_a_week_with_a_daylight_saving_change(client, factory, start, first, change_day) -> None:  # type: ignore[no-untyped-def]
    factory.series(title="Evening café", start_local=datetime.combine(first, datetime.min.time()).replace(hour=18),
                   recurrence=Recurrence(freq="daily", end="count", count=7))
    change = date.fromisoformat(change_day)
    factory.series(title="Late jam", start_local=datetime(change.year, change.month, change.day, 23, 30),
                   duration_minutes=15)
    factory.series(title="Night owls", start_local=datetime(change.year, change.month, change.day, 0, 30),
                   duration_minutes=60)  # the evening before in UTC
    factory.series(title="Saturday night", start_local=datetime(change.year, change.month, change.day - 1, 23, 30),
                   duration_minutes=15)
    days = cells(get(client, f"/?view=week&start={start}"))

    assert len(days) == 7
    for iso, cell in days.items():
        expected = ["18:00 Evening café"]
        if iso == change_day:
            expected = ["00:30 Night owls", *expected, "23:30 Late jam"]
        if date.fromisoformat(iso) == change.replace(day=change.day - 1):
            expected.append("23:30 Saturday night")
        assert events_in(cell) == expected, iso


def test_the_month_view_shows_whole_weeks_busy_days_and_multi_day_events(client, factory, clock) -> None:  # type: ignore[no-untyped-def]
    for hour in range(8, 15):  # seven on Wednesday 10 June
        factory.series(title=f"Session {hour}", start_local=datetime(2026, 6, 10, hour, 0), duration_minutes=30)
    factory.series(title="Summer camp", start_local=datetime(2026, 6, 12, 0, 0), is_all_day=True, all_day_days=3)
    weekly = factory.series(title="Choir", start_local=datetime(2026, 6, 16, 19, 0),
                            recurrence=Recurrence(freq="weekly", end="count", count=2))
    cancel_occurrence(weekly.occurrences[0], reason="Hall booked", now=clock.now())
    page = get(client, "/?view=month&start=2026-06-17")
    table = grid(page)

    assert table.find("caption").text() == "June 2026"
    assert [th.attrs.get("scope") for th in table.find("thead").find_all("th")] == ["col"] * 7
    rows = table.find("tbody").find_all("tr")
    assert len(rows) == 5 and all(len(row.find_all("td")) == 7 for row in rows)
    days = cells(page)
    assert min(days) == "2026-06-01" and max(days) == "2026-07-05"
    assert "is-outside" in days["2026-07-01"].classes and "is-outside" not in days["2026-06-30"].classes
    # A busy day: the first three and "+4 more", which leads to that day's list with all seven.
    assert events_in(days["2026-06-10"]) == ["08:00 Session 8", "09:00 Session 9", "10:00 Session 10"]
    more = days["2026-06-10"].find("p", "calendar-more").find("a")
    assert more.text().startswith("+4 more")
    assert query(more.attrs["href"]) == {"start": "2026-06-10", "days": "1"}
    day_list = client.get(more.attrs["href"]).get_data(as_text=True)
    assert all(f"Session {hour}" in day_list for hour in range(8, 15))
    # An event over three days is on each of them.
    assert events_in(days["2026-06-12"]) == ["All day Summer camp"]
    assert events_in(days["2026-06-13"]) == events_in(days["2026-06-14"]) == ["continued Summer camp"]
    assert events_in(days["2026-06-15"]) == []
    # A cancelled date is listed, marked.
    cancelled = days["2026-06-16"].find("li", "calendar-event")
    assert "is-cancelled" in cancelled.classes and cancelled.find("strong").text() == "Cancelled"
    assert "is-cancelled" not in days["2026-06-23"].find("li", "calendar-event").classes


def test_the_month_view_shows_its_whole_month_also_the_past_days(client, factory) -> None:  # type: ignore[no-untyped-def]
    factory.series(title="Tuesday breakfast", start_local=datetime(2026, 6, 2, 8, 0))  # ended before 12:00 now
    days = cells(get(client, "/?view=month"))

    assert events_in(days["2026-06-02"]) == ["08:00 Tuesday breakfast"]
    assert "Tuesday breakfast" not in client.get("/").get_data(as_text=True)  # the list is from now on


@pytest.mark.parametrize(("url", "previous", "next_"), [
    ("/?view=week&start=2026-06-04", {"view": "week", "start": "2026-05-25"}, {"view": "week", "start": "2026-06-08"}),
    ("/?view=month&start=2026-06-17", {"view": "month", "start": "2026-05-01"}, {"view": "month", "start": "2026-07-01"}),
    ("/?view=month&start=2026-12-31", {"view": "month", "start": "2026-11-01"}, {"view": "month", "start": "2027-01-01"}),
])
def test_previous_and_next_week_or_month(client, url, previous, next_) -> None:  # type: ignore[no-untyped-def]
    page = get(client, url + "&language=pl")
    nav = page.find("nav", "period-nav")
    found = {a.attrs.get("rel"): query(a.attrs["href"]) for a in nav.find_all("a") if a.attrs.get("rel")}

    assert found == {"prev": {**previous, "language": "pl"}, "next": {**next_, "language": "pl"}}


def test_the_views_keep_the_filter_and_the_feeds_never_get_the_view(app, client, factory) -> None:  # type: ignore[no-untyped-def]
    topics = factory.topics()
    factory.series(title="Kite workshop", topics=[topics[0]], languages=["pl"], start_local=datetime(2026, 6, 3, 17, 0))
    factory.series(title="Football", topics=[topics[1]], languages=["pl"], start_local=datetime(2026, 6, 3, 18, 0))
    slug = topics[0].slug
    page = get(client, f"/?view=month&topic={slug}&language=pl&dropin=&age=7")
    table = grid(page)

    assert "Kite workshop" in table.text() and "Football" not in table.text()
    # The view switcher, the shortcuts and the chips keep the filter; the chips keep the view.
    for text in ("List", "Week", "Month", "Today", "This weekend", "This week"):
        assert {("topic", slug), ("language", "pl"), ("age", "7")} <= set(query(link(page, text).attrs["href"]).items())
    assert query(link(page, "Month").attrs["href"]).get("view") == "month"
    assert "view" not in query(link(page, "List").attrs["href"])
    chip_urls = [a.attrs["href"] for a in page.find_all("a", "chip")]
    assert chip_urls and all(query(url).get("view") == "month" for url in chip_urls)
    # The filter form resubmits the view.
    form = page.find("form", "filter-form")
    assert [(el.attrs["name"], el.attrs["value"]) for el in form.find_all("input")
            if el.attrs.get("type") == "hidden" and el.attrs.get("name") == "view"] == [("view", "month")]
    # Subscribe and Atom links are the filter's, without the view; the feeds ignore a view given them.
    base = app.config["BASE_URL"]
    atom = link(page, "This view as Atom").attrs["href"]
    assert atom == f"{base}/feed.atom?topic={slug}&language=pl&age=7"
    for url in (f"/calendar.ics?topic={slug}&view=month", f"/feed.atom?topic={slug}&view=week",
                "/api/v1/occurrences?start=2026-06-01&end=2026-06-30&view=month",
                f"/subscribe?topic={slug}&view=month", f"/print?topic={slug}&view=month"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("value", ["year", "WEEKS", "lists", "%D9%A3", "%3Cscript%3E"])
def test_an_unknown_view_is_a_clear_400(client, value) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/?view={value}")

    assert response.status_code == 400
    assert "The view must be one of: list, week, month." in response.get_data(as_text=True)


def test_the_view_name_is_not_case_sensitive_and_may_be_empty(client) -> None:  # type: ignore[no-untyped-def]
    assert grid(get(client, "/?view=Month")).find("caption").text() == "June 2026"
    assert "calendar" not in {cls for table in get(client, "/?view=").find_all("table") for cls in table.classes}


def current(page: Element) -> list[str]:
    return [a.text() for a in page.find_all("a") if a.attrs.get("aria-current") == "page"
            and a.text() in {"Today", "This weekend", "This week", "List", "Week", "Month"}]


@pytest.mark.parametrize(("now", "today", "weekend"), [
    (datetime(2026, 6, 6, 9, 0, tzinfo=timezone.utc), "2026-06-06", "2026-06-06"),  # Saturday
    (datetime(2026, 6, 3, 9, 0, tzinfo=timezone.utc), "2026-06-03", "2026-06-06"),  # Wednesday
    (datetime(2026, 6, 7, 21, 0, tzinfo=timezone.utc), "2026-06-07", "2026-06-06"),  # Sunday, 23:00 in Oslo
    (datetime(2026, 6, 7, 22, 30, tzinfo=timezone.utc), "2026-06-08", "2026-06-13"),  # already Monday in Oslo
])
def test_the_weekend_shortcut(client, factory, clock, now, today, weekend) -> None:  # type: ignore[no-untyped-def]
    clock.set(now)
    factory.series(title="Saturday market", start_local=datetime(2026, 6, 6, 10, 0),
                   recurrence=Recurrence(freq="weekly", end="count", count=2))
    page = get(client, "/?topic=&dropin=1")
    shortcut = link(page, "This weekend").attrs["href"]

    assert query(shortcut) == {"dropin": "1", "start": weekend, "days": "2"}
    assert query(link(page, "Today").attrs["href"]) == {"dropin": "1", "start": today, "days": "1"}
    assert current(page) == ["List"]
    assert current(get(client, shortcut)) == ["This weekend", "List"]
    assert current(get(client, link(page, "Today").attrs["href"])) == ["Today", "List"]


def test_the_weekend_lists_its_events(client, factory, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2026, 6, 3, 9, 0, tzinfo=timezone.utc))
    factory.series(title="Saturday market", start_local=datetime(2026, 6, 6, 10, 0))
    factory.series(title="Friday quiz", start_local=datetime(2026, 6, 5, 19, 0))
    factory.series(title="Monday club", start_local=datetime(2026, 6, 8, 19, 0))
    page = client.get(link(get(client, "/"), "This weekend").attrs["href"]).get_data(as_text=True)

    assert "Saturday market" in page and "Friday quiz" not in page and "Monday club" not in page


def test_this_week_is_the_week_view_of_today(client, clock) -> None:  # type: ignore[no-untyped-def]
    page = get(client, "/")
    url = link(page, "This week").attrs["href"]

    assert query(url) == {"view": "week", "start": "2026-06-01"}
    week = get(client, url)
    assert current(week) == ["This week", "Week"]
    assert current(get(client, "/?view=week")) == ["This week", "Week"]
    assert current(get(client, "/?view=week&start=2026-06-10")) == ["Week"]
    assert current(get(client, "/?view=month")) == ["Month"]


def test_a_search_in_a_grid_shows_the_matching_events_on_their_days(client, factory) -> None:  # type: ignore[no-untyped-def]
    """``q`` is part of the one filter: in a week or month grid it narrows the events shown (the ranked
    list of matches is the list view's); the search's chip and the view switcher keep it."""
    factory.series(title="Kite workshop", start_local=datetime(2026, 6, 3, 17, 0))
    factory.series(title="Chess club", start_local=datetime(2026, 6, 3, 18, 0))
    page = get(client, "/?view=month&start=2026-06-01&q=kite")

    assert events_in(cells(page)["2026-06-03"]) == ["17:00 Kite workshop"]
    assert query(link(page, "Week").attrs["href"]).get("q") == "kite"
