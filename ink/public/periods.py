"""The programme's views and periods as a resident picks them: ``?view=list|week|month``, the days each
view shows, the "Today" / "This weekend" / "This week" shortcuts, the view switcher and the previous/
next links (all through ``filtering.programme_url``, so they keep the active filter).

The days and the grid come from ink.public.calendar (pure); this module adds the locale (Babel's first
weekday, weekend and weekday names) and the links.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from babel import Locale
from babel.dates import format_date, get_day_names
from flask_babel import gettext

from ink.core.errors import ValidationFailed
from ink.events.filters import FeedFilter
from ink.public import calendar
from ink.public.filtering import programme_url

VIEW_PARAMETER = "view"
DEFAULT_VIEW = "list"


@dataclass(frozen=True)
class Period:
    """What the page shows: a view and its first and last day (a month view's month, not its grid)."""

    view: str
    first: date
    last: date


@dataclass(frozen=True)
class Link:
    """A link of the shortcuts or the view switcher; ``is_current`` is marked with aria-current."""

    label: str
    url: str
    is_current: bool


@dataclass(frozen=True)
class WeekdayHeader:
    """A grid column's weekday: the full name for screen readers, the short one for the eye."""

    name: str
    abbreviation: str


def parse_view(args: Mapping[str, Sequence[str]] | object) -> str:
    """``view`` from the query (list when absent); anything else is a 400 naming the parameter."""
    raw = str(getattr(args, "get")(VIEW_PARAMETER, "") or "").strip().lower()
    if not raw:
        return DEFAULT_VIEW
    if raw not in calendar.VIEWS:
        raise ValidationFailed(gettext("The view must be one of: list, week, month."), VIEW_PARAMETER)
    return raw


def shown_period(view: str, start: date, days: int, locale: Locale) -> Period:
    """The days a view shows for ``start`` (any date inside the week or month) and ``days`` (the list's length)."""
    if view == "week":
        return Period(view, *calendar.week_period(start, locale.first_week_day))
    if view == "month":
        return Period(view, *calendar.month_period(start))
    return Period(view, start, start + timedelta(days=days - 1))


def grid_days(period: Period, locale: Locale) -> tuple[date, date]:
    """The first and last day the page queries: a month grid's whole weeks, else the period."""
    if period.view == "month":
        return calendar.grid_period(period.first, period.last, locale.first_week_day)
    return period.first, period.last


def _url(feed_filter: FeedFilter, view: str, start: date | None, days: int | None = None) -> str:
    return programme_url(feed_filter, start=start, days=days, view=view)


def shortcuts(feed_filter: FeedFilter, period: Period, today: date, locale: Locale) -> list[Link]:
    """Today, this weekend (the locale's weekend days) and this week, each keeping the filter."""
    weekend = calendar.weekend_period(today, locale.weekend_start, locale.weekend_end)
    week = calendar.week_period(today, locale.first_week_day)
    found = [
        (gettext("Today"), Period("list", today, today)),
        (gettext("This weekend"), Period("list", *weekend)),
        (gettext("This week"), Period("week", *week)),
    ]
    return [Link(label, _url(feed_filter, target.view, target.first,
                             (target.last - target.first).days + 1 if target.view == "list" else None),
                 target == period)
            for label, target in found]


def view_links(feed_filter: FeedFilter, view: str, start: date | None, days: int | None) -> list[Link]:
    """List, week, month for the same date (``start`` as asked; None: today) and filter."""
    labels = {"list": gettext("List"), "week": gettext("Week"), "month": gettext("Month")}
    return [Link(labels[name], _url(feed_filter, name, start, days if name == "list" else None), name == view)
            for name in calendar.VIEWS]


def neighbour_urls(feed_filter: FeedFilter, period: Period, days: int) -> tuple[str, str]:
    """The previous and next period's URLs: a week, a month, or ``days`` days."""
    if period.view == "week":
        return (_url(feed_filter, "week", period.first - timedelta(days=7)),
                _url(feed_filter, "week", period.first + timedelta(days=7)))
    if period.view == "month":
        return (_url(feed_filter, "month", calendar.add_months(period.first, -1)),
                _url(feed_filter, "month", calendar.add_months(period.first, 1)))
    return (_url(feed_filter, "list", period.first - timedelta(days=days), days),
            _url(feed_filter, "list", period.first + timedelta(days=days), days))


def weekday_headers(locale: Locale) -> list[WeekdayHeader]:
    """The grid's column headers in the locale's weekday order and language."""
    wide = get_day_names("wide", context="format", locale=locale)
    short = get_day_names("abbreviated", context="format", locale=locale)
    return [WeekdayHeader(wide[day], short[day]) for day in calendar.weekday_order(locale.first_week_day)]


def day_url(feed_filter: FeedFilter, day: date) -> str:
    """One day's list (where "+N more" leads)."""
    return _url(feed_filter, "list", day, 1)


def page_context(feed_filter: FeedFilter, period: Period, occurrences: Sequence[calendar.Timed], *, tz: str,
                 today: date, locale: Locale, days: int, kept_start: date | None,
                 kept_days: int | None) -> dict[str, Any]:
    """What programme.html needs for the view: its links, and for a grid its weeks and weekday headers."""
    previous_url, next_url = neighbour_urls(feed_filter, period, days)
    is_grid = period.view != "list"
    limit = calendar.MONTH_CELL_LIMIT if period.view == "month" else None
    return {
        "view": period.view,
        "previous_url": previous_url,
        "next_url": next_url,
        "shortcuts": shortcuts(feed_filter, period, today, locale),
        "view_links": view_links(feed_filter, period.view, kept_start, kept_days),
        "weeks": calendar.build_weeks(occurrences, tz, (period.first, period.last), today=today,
                                      first_weekday=locale.first_week_day, limit=limit) if is_grid else [],
        "weekdays": weekday_headers(locale) if is_grid else [],
        "day_url": lambda day: day_url(feed_filter, day),
        "has_events": bool(occurrences),
        "day_number": lambda day: format_date(day, "d", locale=locale),  # the locale's digits
    }
