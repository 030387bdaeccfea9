"""The programme as a calendar: which days a week or month view shows, and which occurrences fall on
each day (pure functions of occurrences, dates and the network's zone; no request, no database).

An occurrence appears on every local day it spans: from the local date of its start to the local date
of the last instant before its end (an event ending at midnight does not reach the next day). Weeks
start on the locale's first weekday (Babel: Monday in Norway); weekday numbers are Python's (0=Monday).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Generic, Protocol, TypeVar

from ink.core.time import is_local_midnight, local_date

VIEWS = ("list", "week", "month")
# A month cell lists at most this many occurrences; a busier day lists one fewer and "+N more".
MONTH_CELL_LIMIT = 4


class Timed(Protocol):
    """What the calendar needs of an occurrence: its instants (aware, UTC)."""

    @property
    def start_at(self) -> datetime: ...

    @property
    def end_at(self) -> datetime: ...


T = TypeVar("T", bound=Timed)


@dataclass(frozen=True)
class Entry(Generic[T]):
    """An occurrence on one day; ``is_continued`` when it began on an earlier day (a multi-day event)."""

    item: T
    is_continued: bool = False


@dataclass(frozen=True)
class CalendarDay(Generic[T]):
    """One cell: its date, everything on it (in time order), and what a compact cell shows."""

    day: date
    entries: tuple[Entry[T], ...]
    is_in_period: bool  # False for the neighbouring months' days that fill a month grid's weeks
    is_today: bool
    shown: tuple[Entry[T], ...]
    more: int  # how many are left out of ``shown`` ("+N more")


@dataclass(frozen=True)
class CalendarWeek(Generic[T]):
    """One row of a grid: seven days from the first weekday."""

    days: tuple[CalendarDay[T], ...]


def week_start(day: date, first_weekday: int = 0) -> date:
    """The first day of the week containing ``day``."""
    return day - timedelta(days=(day.weekday() - first_weekday) % 7)


def week_period(day: date, first_weekday: int = 0) -> tuple[date, date]:
    """The first and last day of the week containing ``day``."""
    first = week_start(day, first_weekday)
    return first, first + timedelta(days=6)


def month_period(day: date) -> tuple[date, date]:
    """The first and last day of the month containing ``day``."""
    first = day.replace(day=1)
    return first, add_months(first, 1) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` away from ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def grid_period(first: date, last: date, first_weekday: int = 0) -> tuple[date, date]:
    """Whole weeks around [first, last]: a month grid starts on a first weekday and ends on a last one."""
    return week_start(first, first_weekday), week_start(last, first_weekday) + timedelta(days=6)


def weekend_period(today: date, weekend_start: int = 5, weekend_end: int = 6) -> tuple[date, date]:
    """This weekend: the one under way (from its first day) when ``today`` is in it, else the next one.
    ``weekend_start``/``weekend_end`` are the locale's weekdays (Babel; Saturday and Sunday in Norway)."""
    length = (weekend_end - weekend_start) % 7 + 1
    into = (today.weekday() - weekend_start) % 7
    first = today - timedelta(days=into) if into < length else today + timedelta(days=7 - into)
    return first, first + timedelta(days=length - 1)


def weekday_order(first_weekday: int = 0) -> list[int]:
    """The weekdays (0=Monday) in the order a grid's columns show them."""
    return [(first_weekday + offset) % 7 for offset in range(7)]


def local_span(item: Timed, tz: str) -> tuple[date, date]:
    """The first and last local day an occurrence takes place on."""
    first = local_date(item.start_at, tz)
    last = local_date(item.end_at, tz)
    if last > first and is_local_midnight(item.end_at, tz):
        last -= timedelta(days=1)
    return first, max(first, last)


def spread_over_days(items: Sequence[T], tz: str, first: date, last: date) -> dict[date, list[Entry[T]]]:
    """Every day of [first, last] with the items on it, in the given (time) order; an item spanning
    several days is on each of them (marked continued after its first day)."""
    days: dict[date, list[Entry[T]]] = {first + timedelta(days=n): [] for n in range((last - first).days + 1)}
    for item in items:
        begins, ends = local_span(item, tz)
        day = max(begins, first)
        while day <= min(ends, last):
            days[day].append(Entry(item, is_continued=day > begins))
            day += timedelta(days=1)
    return days


def _cell(day: date, items: list[Entry[T]], period: tuple[date, date], today: date,
          limit: int | None) -> CalendarDay[T]:
    shown = items if limit is None or len(items) <= limit else items[: limit - 1]
    return CalendarDay(day, tuple(items), period[0] <= day <= period[1], day == today, tuple(shown),
                       len(items) - len(shown))


def build_weeks(items: Sequence[T], tz: str, period: tuple[date, date], *, today: date, first_weekday: int = 0,
                limit: int | None = None) -> list[CalendarWeek[T]]:
    """The grid's weeks for ``period`` (whole weeks around it), each day with its items; with ``limit``,
    a day holding more than ``limit`` shows ``limit - 1`` of them and counts the rest."""
    first, last = grid_period(period[0], period[1], first_weekday)
    days = spread_over_days(items, tz, first, last)
    cells = [_cell(day, found, period, today, limit) for day, found in days.items()]
    return [CalendarWeek(tuple(cells[n:n + 7])) for n in range(0, len(cells), 7)]
