"""ink.public.calendar: the pure functions behind the week and month views (no app, no database)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest

from ink.core.time import local_to_utc
from ink.public import calendar

TZ = "Europe/Oslo"


@dataclass(frozen=True)
class Item:
    name: str
    start_at: datetime
    end_at: datetime


def item(name: str, start: datetime, end: datetime) -> Item:
    """An occurrence from its wall-clock start and end in Oslo."""
    return Item(name, local_to_utc(start, TZ), local_to_utc(end, TZ))


@pytest.mark.parametrize(("day", "first_weekday", "expected"), [
    (date(2026, 6, 3), 0, date(2026, 6, 1)),   # a Wednesday: its Monday
    (date(2026, 6, 1), 0, date(2026, 6, 1)),   # a Monday is its own week's first day
    (date(2026, 6, 7), 0, date(2026, 6, 1)),   # a Sunday belongs to the week before it
    (date(2026, 6, 7), 6, date(2026, 6, 7)),   # weeks from Sunday (en-US)
    (date(2026, 6, 6), 6, date(2026, 5, 31)),
    (date(2027, 1, 1), 0, date(2026, 12, 28)),  # across a new year
])
def test_week_start(day: date, first_weekday: int, expected: date) -> None:
    assert calendar.week_start(day, first_weekday) == expected
    assert calendar.week_period(day, first_weekday) == (expected, date.fromordinal(expected.toordinal() + 6))


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 6, 17), (date(2026, 6, 1), date(2026, 6, 30))),
    (date(2026, 12, 31), (date(2026, 12, 1), date(2026, 12, 31))),
    (date(2028, 2, 10), (date(2028, 2, 1), date(2028, 2, 29))),  # a leap year
    (date(2027, 2, 1), (date(2027, 2, 1), date(2027, 2, 28))),
])
def test_month_period(day: date, expected: tuple[date, date]) -> None:
    assert calendar.month_period(day) == expected


def test_add_months_crosses_years_both_ways() -> None:
    assert calendar.add_months(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert calendar.add_months(date(2026, 1, 15), -1) == date(2025, 12, 1)
    assert calendar.add_months(date(2026, 6, 30), 0) == date(2026, 6, 1)


def test_a_month_grid_is_whole_weeks() -> None:
    # June 2026 starts on a Monday and ends on a Tuesday: five weeks to Sunday 5 July.
    assert calendar.grid_period(date(2026, 6, 1), date(2026, 6, 30)) == (date(2026, 6, 1), date(2026, 7, 5))
    # February 2026: Sunday 1 to Saturday 28 -> Monday 26 January to Sunday 1 March.
    assert calendar.grid_period(date(2026, 2, 1), date(2026, 2, 28)) == (date(2026, 1, 26), date(2026, 3, 1))


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 6, 3), (date(2026, 6, 6), date(2026, 6, 7))),  # Wednesday: the coming weekend
    (date(2026, 6, 1), (date(2026, 6, 6), date(2026, 6, 7))),  # Monday
    (date(2026, 6, 5), (date(2026, 6, 6), date(2026, 6, 7))),  # Friday
    (date(2026, 6, 6), (date(2026, 6, 6), date(2026, 6, 7))),  # Saturday: this one
    (date(2026, 6, 7), (date(2026, 6, 6), date(2026, 6, 7))),  # Sunday: still this one, from its start
])
def test_weekend_period(today: date, expected: tuple[date, date]) -> None:
    assert calendar.weekend_period(today) == expected


def test_weekend_period_of_a_friday_saturday_weekend() -> None:
    assert calendar.weekend_period(date(2026, 6, 7), 4, 5) == (date(2026, 6, 12), date(2026, 6, 13))
    assert calendar.weekend_period(date(2026, 6, 13), 4, 5) == (date(2026, 6, 12), date(2026, 6, 13))


def test_weekday_order() -> None:
    assert calendar.weekday_order(0) == [0, 1, 2, 3, 4, 5, 6]
    assert calendar.weekday_order(6) == [6, 0, 1, 2, 3, 4, 5]


def test_local_span_by_the_networks_wall_clock() -> None:
    # 23:30-01:00 local: two days; in UTC both instants fall on the 6th.
    late = item("late", datetime(2026, 6, 6, 23, 30), datetime(2026, 6, 7, 1, 0))
    assert late.start_at.date() == late.end_at.date() == date(2026, 6, 6)
    assert calendar.local_span(late, TZ) == (date(2026, 6, 6), date(2026, 6, 7))
    # 00:30 local on the 7th is the 6th in UTC, but the 7th here.
    early = item("early", datetime(2026, 6, 7, 0, 30), datetime(2026, 6, 7, 2, 0))
    assert calendar.local_span(early, TZ) == (date(2026, 6, 7), date(2026, 6, 7))
    # An all-day event ends at the next midnight: it does not reach that day.
    all_day = item("camp", datetime(2026, 6, 12), datetime(2026, 6, 15))
    assert calendar.local_span(all_day, TZ) == (date(2026, 6, 12), date(2026, 6, 14))
    instant = item("instant", datetime(2026, 6, 12), datetime(2026, 6, 12))
    assert calendar.local_span(instant, TZ) == (date(2026, 6, 12), date(2026, 6, 12))


def test_spread_over_days_puts_a_multi_day_event_on_each_day_it_spans() -> None:
    camp = item("camp", datetime(2026, 5, 30), datetime(2026, 6, 3))  # 30 May to 2 June
    talk = item("talk", datetime(2026, 6, 1, 18, 0), datetime(2026, 6, 1, 20, 0))
    days = calendar.spread_over_days([camp, talk], TZ, date(2026, 6, 1), date(2026, 6, 7))

    assert list(days) == [date(2026, 6, n) for n in range(1, 8)]
    assert [(entry.item.name, entry.is_continued) for entry in days[date(2026, 6, 1)]] == [
        ("camp", True), ("talk", False)]
    assert [entry.item.name for entry in days[date(2026, 6, 2)]] == ["camp"]
    assert days[date(2026, 6, 3)] == []


def test_spread_over_days_across_the_autumn_change() -> None:
    # Sunday 25 October 2026: 03:00 summer time becomes 02:00; a day of 25 hours.
    evening = [item(f"day {n}", datetime(2026, 10, n, 18), datetime(2026, 10, n, 20)) for n in range(19, 26)]
    night = item("night", datetime(2026, 10, 25, 0, 30), datetime(2026, 10, 25, 2, 30))
    late = item("late", datetime(2026, 10, 25, 23, 30), datetime(2026, 10, 25, 23, 45))
    days = calendar.spread_over_days([*evening, night, late], TZ, date(2026, 10, 19), date(2026, 10, 25))

    for n in range(19, 25):
        assert [entry.item.name for entry in days[date(2026, 10, n)]] == [f"day {n}"]
    assert [entry.item.name for entry in days[date(2026, 10, 25)]] == ["day 25", "night", "late"]


def test_build_weeks_marks_the_period_today_and_busy_days() -> None:
    busy = [item(f"e{n}", datetime(2026, 6, 10, 8 + n), datetime(2026, 6, 10, 9 + n)) for n in range(6)]
    four = [item(f"f{n}", datetime(2026, 6, 11, 8 + n), datetime(2026, 6, 11, 9 + n)) for n in range(4)]
    weeks = calendar.build_weeks([*busy, *four], TZ, (date(2026, 6, 1), date(2026, 6, 30)),
                                 today=date(2026, 6, 2), limit=4)

    assert len(weeks) == 5 and all(len(week.days) == 7 for week in weeks)
    cells = {cell.day: cell for week in weeks for cell in week.days}
    assert cells[date(2026, 6, 10)].more == 3 and [e.item.name for e in cells[date(2026, 6, 10)].shown] == [
        "e0", "e1", "e2"]
    assert len(cells[date(2026, 6, 10)].entries) == 6
    assert cells[date(2026, 6, 11)].more == 0 and len(cells[date(2026, 6, 11)].shown) == 4
    assert cells[date(2026, 6, 2)].is_today and not cells[date(2026, 6, 3)].is_today
    assert cells[date(2026, 6, 30)].is_in_period and not cells[date(2026, 7, 1)].is_in_period


def test_build_weeks_without_a_limit_shows_everything() -> None:
    busy = [item(f"e{n}", datetime(2026, 6, 10, 8 + n), datetime(2026, 6, 10, 9 + n)) for n in range(9)]
    weeks = calendar.build_weeks(busy, TZ, (date(2026, 6, 8), date(2026, 6, 14)), today=date(2026, 6, 2))

    assert len(weeks) == 1
    assert [len(cell.shown) for cell in weeks[0].days] == [0, 0, 9, 0, 0, 0, 0]
    assert all(cell.more == 0 for cell in weeks[0].days)


def test_utc_instants_are_accepted_from_any_aware_zone() -> None:
    moment = datetime(2026, 6, 6, 22, 30, tzinfo=timezone.utc)  # 00:30 on the 7th in Oslo
    assert calendar.local_span(Item("x", moment, moment), TZ) == (date(2026, 6, 7), date(2026, 6, 7))
