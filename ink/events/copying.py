"""Next year from this year: copy a one-off or yearly event to the following year as a draft.

Which series: a one-off (no repeat rule), or a yearly rule that ends (a never-ending yearly rule
already has next year's date). The copy takes every detail (title, description, organiser,
co-organisers, topics, audiences, languages, venue, ages, drop-in, registration link, the time of day,
duration, all-day span) through ``create_series``, so it is a new draft with its own occurrences;
nothing that hangs on dates (attendance counts, door links, subscriptions, reminders) comes along.

Which date: a one-off may be meant as a date ("17 May") or as a weekday of a week of the month
("the second Saturday of March"); the page offers both when they differ and the person chooses:
``date`` keeps day and month (29 February becomes 28 February), ``weekday`` keeps the ISO weekday in
the same week of the month (the nth such weekday; the fifth becomes the last). A yearly rule says
itself which it is (by day of month or by nth weekday), so its copy follows the rule (``rule``).
A year in the title ("Kite festival 2026") becomes the next one.
"""
from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ink.core.errors import N_, ValidationFailed
from ink.events.models import EventSeries, SeriesStatus
from ink.events.recurrence import Recurrence, RecurrenceError, nth_of_start
from ink.events.service import SeriesData, create_series, series_recurrence
from ink.extensions import db


class Keep(enum.StrEnum):
    DATE = "date"
    WEEKDAY = "weekday"
    RULE = "rule"


@dataclass(frozen=True)
class CopyOption:
    keep: Keep
    start_local: datetime


def same_date_next_year(day: date) -> date:
    """The same day and month a year later (29 February becomes 28 February)."""
    year = day.year + 1
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The nth (1..4, or -1 for the last) ``weekday`` (0 = Monday) of a month."""
    if nth == -1:
        last_day = date(year, month, calendar.monthrange(year, month)[1])
        return last_day - timedelta(days=(last_day.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7, weeks=nth - 1)


def same_weekday_next_year(day: date, nth: int | None = None) -> date:
    """The same ISO weekday in the same week of the month a year later (the fifth becomes the last)."""
    nth = nth if nth is not None else nth_of_start(day)
    return nth_weekday(day.year + 1, day.month, day.weekday(), -1 if nth > 4 else nth)


def _rule(series: EventSeries) -> Recurrence | None:
    try:
        return series_recurrence(series)
    except RecurrenceError:
        return None


def copy_options(series: EventSeries) -> list[CopyOption]:
    """The ways this series can be copied to next year (none when it cannot)."""
    start = series.start_local
    if not series.rrule:
        by_date = datetime.combine(same_date_next_year(start.date()), start.time())
        by_weekday = datetime.combine(same_weekday_next_year(start.date()), start.time())
        options = [CopyOption(Keep.DATE, by_date)]
        if by_weekday != by_date:
            options.append(CopyOption(Keep.WEEKDAY, by_weekday))
        return options
    rule = _rule(series)
    if rule is None or rule.freq != "yearly" or rule.end == "never":
        return []
    if rule.monthly_mode == "nth_weekday":
        day = same_weekday_next_year(start.date(), rule.nth)
    else:
        day = same_date_next_year(start.date())
    return [CopyOption(Keep.RULE, datetime.combine(day, start.time()))]


def _next_title(title: str, year: int) -> str:
    return title.replace(str(year), str(year + 1)) if str(year) in title else title


def existing_copy(series: EventSeries, start_local: datetime) -> EventSeries | None:
    """A series of the same organisation with the same title already on that start (a copy made before)."""
    return db.session.scalar(
        sa.select(EventSeries).where(
            EventSeries.organisation_id == series.organisation_id,
            EventSeries.title == _next_title(series.title, series.start_local.year),
            EventSeries.start_local == start_local,
            EventSeries.status != SeriesStatus.CANCELLED,
            EventSeries.id != series.id,
        ).limit(1)
    )


def copy_to_next_year(series: EventSeries, *, keep: str, now: datetime) -> EventSeries:
    """A draft copy of the series a year later; ValidationFailed when it cannot be copied that way."""
    option = next((o for o in copy_options(series) if o.keep.value == keep), None)
    if option is None:
        raise ValidationFailed(N_("This event cannot be copied to next year that way."), "keep")
    rule = Recurrence()
    if series.rrule:
        old = series_recurrence(series)
        until = same_date_next_year(old.until) if old.until is not None else None
        rule = Recurrence(freq="yearly", interval=old.interval, monthly_mode=old.monthly_mode, nth=old.nth,
                          end=old.end, until=until, count=old.count)
    data = SeriesData(
        title=_next_title(series.title, series.start_local.year),
        organisation=series.organisation,
        start_local=option.start_local,
        recurrence=rule,
        duration_minutes=series.duration_minutes,
        is_all_day=series.is_all_day,
        all_day_days=series.all_day_days,
        timezone=series.timezone,
        description_html=series.description_html,
        coorganisers=list(series.coorganisers),
        venue=series.venue,
        topics=list(series.topics),
        languages=list(series.languages),
        audiences=list(series.audiences),
        audience_note=series.audience_note,
        age_min=series.age_min,
        age_max=series.age_max,
        is_drop_in=series.is_drop_in,
        registration_url=series.registration_url,
    )
    return create_series(data, now=now, status=SeriesStatus.DRAFT)
