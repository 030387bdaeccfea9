"""/print: the programme as an A4 sheet for a notice board, with the feeds' filters.

The dates are those the Atom feed and /api/v1/occurrences select (``parse_filter``,
``resolve_filter`` with each date's own venue, ``occurrences_in``): one filter, one query, everywhere.
To keep a sheet to a page or two, a series whose dates in the period follow a weekly pattern
exactly (every Tuesday and Thursday, same time, same place) is printed once as "Every Tuesday and
Thursday, 18:00–20:00" instead of once per date; everything else is listed day by day.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from urllib.parse import urlencode

from babel.dates import get_day_names
from babel.lists import format_list
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _

from ink.core.time import local_date, local_midnight_utc, utc_to_local
from ink.events.models import EventSeries, Occurrence
from ink.extensions import now
from ink.events.filters import FeedFilter, parse_filter, resolve_filter
from ink.events.window import ListedDay, by_local_day, parse_window
from ink.feeds.query import occurrences_in
from ink.feeds.views import feed_url, qr_svg, selection_name
from ink.i18n import fmt_date, formatting_locale
from ink.urls import absolute_url

bp = Blueprint("printing", __name__)

DEFAULT_DAYS = 28  # four weeks: what a notice board sheet covers
MIN_REGULAR_DATES = 3  # fewer dates are as short listed by day as summarised
EVERY_DAY = frozenset(range(7))


@dataclass(frozen=True)
class RegularSeries:
    """A series printed once: its dates in the period are every ``weekdays`` from ``first`` to ``last``."""

    series: EventSeries
    weekdays: tuple[int, ...]  # 0 = Monday
    start_local: time
    end_local: time
    first: date
    last: date
    starts_later: bool  # the pattern begins after the period's first matching day
    ends_earlier: bool
    cancelled: tuple[date, ...]
    venue_name: str

    @property
    def is_all_cancelled(self) -> bool:
        return len(self.cancelled) == len(_dates_between(self.first, self.last, set(self.weekdays)))


@dataclass
class PrintProgramme:
    regular: list[RegularSeries]
    days: list[ListedDay]

    @property
    def is_empty(self) -> bool:
        return not (self.regular or self.days)


def _dates_between(first: date, last: date, weekdays: set[int]) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)
            if (first + timedelta(days=n)).weekday() in weekdays]


def _regular(series: EventSeries, occurrences: Sequence[Occurrence], tz: str,
             first_day: date, last_day: date) -> RegularSeries | None:
    """``series`` as one line, when its dates in the period follow a weekly pattern exactly, else None."""
    if series.is_all_day or len(occurrences) < MIN_REGULAR_DATES:
        return None
    if any(occ.is_moved or occ.note or occ.venue_override is not None for occ in occurrences):
        return None  # a date that differs is worth its own line
    starts = [utc_to_local(occ.start_at, tz) for occ in occurrences]
    ends = [utc_to_local(occ.end_at, tz) for occ in occurrences]
    if len({(start.time(), end - start) for start, end in zip(starts, ends)}) != 1:
        return None
    days = [start.date() for start in starts]
    if days[0] < first_day or ends[0].date() != days[0]:
        return None  # under way before the period, or past midnight: listed by day
    weekdays = {day.weekday() for day in days}
    if any(days.count(day) > 1 for day in days) or sorted(days) != _dates_between(days[0], days[-1], weekdays):
        return None  # a week skipped (fortnightly, say): not "every Tuesday"
    if any(sum(1 for day in days if day.weekday() == weekday) < 2 for weekday in weekdays):
        return None  # a weekday seen once is no pattern
    venue = series.venue
    return RegularSeries(
        series=series, weekdays=tuple(sorted(weekdays)), start_local=starts[0].time(), end_local=ends[0].time(),
        first=days[0], last=days[-1],
        starts_later=bool(_dates_between(first_day, days[0] - timedelta(days=1), weekdays)),
        ends_earlier=bool(_dates_between(days[-1] + timedelta(days=1), last_day, weekdays)),
        cancelled=tuple(day for day, occ in zip(days, occurrences) if occ.is_cancelled),
        venue_name=venue.name if venue else "",
    )


def arrange(occurrences: Sequence[Occurrence], tz: str, first_day: date, last_day: date) -> PrintProgramme:
    """Weekly regulars apart, the other dates (soonest first) under the local day they start on
    (one under way before ``first_day`` under ``first_day``)."""
    by_series: dict[int, list[Occurrence]] = {}
    for occ in occurrences:
        by_series.setdefault(occ.series_id, []).append(occ)
    regular = [found for dates in by_series.values()
               if (found := _regular(dates[0].series, dates, tz, first_day, last_day)) is not None]
    regular_ids = {item.series.id for item in regular}
    regular.sort(key=lambda item: (item.weekdays, item.start_local, item.series.title.lower()))
    rest = [occ for occ in occurrences if occ.series_id not in regular_ids]
    return PrintProgramme(regular, by_local_day(rest, tz, first_day))


def weekday_pattern(weekdays: Sequence[int]) -> str:
    """"Every Tuesday and Thursday" / "Hver tirsdag og torsdag", in the current language."""
    if set(weekdays) == EVERY_DAY:
        return str(_("Every day"))
    locale = formatting_locale()
    names = get_day_names("wide", context="format", locale=locale)
    return str(_("Every %(weekdays)s", weekdays=format_list([names[day] for day in weekdays], locale=locale)))


def regular_period(item: RegularSeries) -> str:
    """"from 9 June", "until 23 June", "9 June to 23 June", or "" when the pattern fills the period."""
    first, last = fmt_date(item.first, "day"), fmt_date(item.last, "day")
    if item.starts_later and item.ends_earlier:
        return str(_("%(first)s to %(last)s", first=first, last=last))
    if item.starts_later:
        return str(_("from %(date)s", date=first))
    if item.ends_earlier:
        return str(_("until %(date)s", date=last))
    return ""


def short_url(url: str) -> str:
    """A URL as printed under its QR code: without the scheme nor a bare trailing slash."""
    bare = url.split("://", 1)[-1]
    return bare[:-1] if bare.endswith("/") and bare.count("/") == 1 else bare


def programme_url(feed_filter: FeedFilter) -> str:
    """The programme page with the same filter (it shows today's programme, so no dates)."""
    query = urlencode(feed_filter.query_items())
    return absolute_url("public.programme") + (f"?{query}" if query else "")


def print_title(feed_filter: FeedFilter, name: str) -> str:
    return name if not feed_filter.is_empty else str(_("INK Events"))


@bp.get("/print")
def programme() -> str:
    """The coming weeks (or ``start``/``days``) of the filtered programme, laid out for A4."""
    tz = current_app.config["TIMEZONE"]
    feed_filter = parse_filter(request.args)
    first_day, length = parse_window(request.args, local_date(now(), tz), default_days=DEFAULT_DAYS)
    last_day = first_day + timedelta(days=length - 1)
    resolved = resolve_filter(feed_filter, per_occurrence=True)  # venue: where each date takes place
    found = occurrences_in(resolved.condition, local_midnight_utc(first_day, tz),
                           local_midnight_utc(last_day + timedelta(days=1), tz))
    page_url, calendar_url = programme_url(feed_filter), feed_url(feed_filter)
    return render_template(
        "feeds/print.html",
        title=print_title(feed_filter, selection_name(feed_filter, resolved)),
        first_day=first_day, last_day=last_day, programme=arrange(found, tz, first_day, last_day),
        programme_url=page_url, programme_qr=qr_svg(page_url), programme_short=short_url(page_url),
        calendar_url=calendar_url, calendar_qr=qr_svg(calendar_url), calendar_short=short_url(calendar_url),
        weekday_pattern=weekday_pattern, regular_period=regular_period,
    )

