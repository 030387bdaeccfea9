"""Plain-language, localised summaries of recurring series ("Every Tuesday and Thursday, 17:00–19:00").

Names of weekdays and months, dates, times and lists come from Babel for ``locale``; the
connecting words go through the ``gettext``/``ngettext`` callables passed in, which follow
flask-babel's calling convention: ``gettext(message, **variables)`` and
``ngettext(singular, plural, num, **variables)`` return the translated message already
%-formatted with the variables (``num`` is provided to ``ngettext`` automatically). Pass
``flask_babel.gettext`` / ``flask_babel.ngettext`` in the app; the defaults return English.

Messages are passed as string literals to calls named ``gettext``/``ngettext`` so that
``pybabel extract`` finds them.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from babel.dates import format_date, format_skeleton, format_time, get_day_names, get_month_names
from babel.lists import format_list

from ink.core.time import TIME_PATTERN
from ink.i18n import left_to_right
from ink.events.recurrence import Recurrence, normalize

Gettext = Callable[..., str]
Ngettext = Callable[..., str]


def _identity_gettext(message: str, **variables: object) -> str:
    return message % variables if variables else message


def _simple_ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


def _babel_locale(locale: str) -> str:
    # The site's English is British: day-month dates and 24-hour times ("Saturday 14 March 2026").
    return "en_GB" if locale.replace("-", "_").lower() == "en" else locale.replace("-", "_")


def _ordinals(gettext: Gettext) -> dict[int, str]:
    return {
        1: gettext("first"),
        2: gettext("second"),
        3: gettext("third"),
        4: gettext("fourth"),
        -1: gettext("last"),
    }


def describe(
    rec: Recurrence,
    start_local: datetime,
    *,
    duration: timedelta | None,
    all_day: bool,
    all_day_days: int = 1,
    locale: str = "en",
    gettext: Gettext | None = None,
    ngettext: Ngettext | None = None,
) -> str:
    """A one-line summary of the series: pattern, time of day and end clause."""
    gettext = gettext or _identity_gettext
    ngettext = ngettext or _simple_ngettext
    babel_locale = _babel_locale(locale)
    rec = normalize(rec, start_local)
    pattern = _pattern(rec, start_local.date(), babel_locale, gettext, ngettext)
    when = _time_of_day(start_local, duration, all_day, all_day_days, babel_locale, gettext, ngettext)
    summary = gettext("%(pattern)s, %(time)s", pattern=pattern, time=when)
    return _with_end(summary, rec, babel_locale, gettext, ngettext)


def _pattern(rec: Recurrence, start: date, locale: str, gettext: Gettext, ngettext: Ngettext) -> str:
    if rec.freq == "once":
        day = _weekday_name(start.weekday(), locale)
        full = gettext("%(weekday)s %(date)s", weekday=day, date=format_date(start, "long", locale=locale))
        return gettext("Once, %(date)s", date=full)
    if rec.freq == "daily":
        return _daily(rec.interval, gettext, ngettext)
    if rec.freq == "weekly":
        return _weekly(rec, locale, gettext, ngettext)
    if rec.freq == "monthly":
        return _monthly(rec, start, locale, gettext, ngettext)
    return _yearly(rec, start, locale, gettext, ngettext)


def _daily(interval: int, gettext: Gettext, ngettext: Ngettext) -> str:
    if interval == 1:
        return gettext("Daily")
    return ngettext("Every %(num)d day", "Every %(num)d days", interval)


def _weekly(rec: Recurrence, locale: str, gettext: Gettext, ngettext: Ngettext) -> str:
    names = format_list([_weekday_name(day, locale) for day in rec.weekdays], locale=locale)
    if rec.interval == 1:
        return gettext("Every %(weekdays)s", weekdays=names)
    return ngettext(
        "Every %(num)d week on %(weekdays)s", "Every %(num)d weeks on %(weekdays)s", rec.interval, weekdays=names
    )


def _monthly(rec: Recurrence, start: date, locale: str, gettext: Gettext, ngettext: Ngettext) -> str:
    n = rec.interval
    if rec.monthly_mode == "day_of_month":
        if n == 1:
            return gettext("Monthly on day %(day)d", day=start.day)
        return ngettext(
            "Every %(num)d month on day %(day)d", "Every %(num)d months on day %(day)d", n, day=start.day
        )
    assert rec.nth is not None
    nth = _ordinals(gettext)[rec.nth]
    weekday = _weekday_name(start.weekday(), locale)
    if n == 1:
        return gettext("Monthly on the %(nth)s %(weekday)s", nth=nth, weekday=weekday)
    return ngettext(
        "Every %(num)d month on the %(nth)s %(weekday)s",
        "Every %(num)d months on the %(nth)s %(weekday)s",
        n,
        nth=nth,
        weekday=weekday,
    )


def _yearly(rec: Recurrence, start: date, locale: str, gettext: Gettext, ngettext: Ngettext) -> str:
    n = rec.interval
    if rec.monthly_mode == "day_of_month":
        day = format_skeleton("dMMMM", start, locale=locale)
        if n == 1:
            return gettext("Every year on %(date)s", date=day)
        return ngettext("Every %(num)d year on %(date)s", "Every %(num)d years on %(date)s", n, date=day)
    assert rec.nth is not None
    parts = {
        "nth": _ordinals(gettext)[rec.nth],
        "weekday": _weekday_name(start.weekday(), locale),
        "month": get_month_names("wide", locale=locale)[start.month],
    }
    if n == 1:
        return gettext("Every year on the %(nth)s %(weekday)s of %(month)s", **parts)
    return ngettext(
        "Every %(num)d year on the %(nth)s %(weekday)s of %(month)s",
        "Every %(num)d years on the %(nth)s %(weekday)s of %(month)s",
        n,
        **parts,
    )


def _time_of_day(
    start_local: datetime,
    duration: timedelta | None,
    all_day: bool,
    all_day_days: int,
    locale: str,
    gettext: Gettext,
    ngettext: Ngettext,
) -> str:
    if all_day:
        if all_day_days <= 1:
            return gettext("all day")
        return ngettext("%(num)d day", "%(num)d days", all_day_days)
    start = _short_time(start_local.time(), locale)
    if duration is None:
        return start
    end_local = start_local + duration
    end = _short_time(end_local.time(), locale)
    if duration >= timedelta(days=1):
        day = _weekday_name(end_local.weekday(), locale)
        return left_to_right(gettext("%(start)s – %(end_weekday)s %(end)s", start=start, end_weekday=day, end=end),
                             locale)
    return left_to_right(gettext("%(start)s–%(end)s", start=start, end=end), locale)


def _with_end(summary: str, rec: Recurrence, locale: str, gettext: Gettext, ngettext: Ngettext) -> str:
    if rec.end == "until" and rec.until is not None:
        until = format_date(rec.until, "long", locale=locale)
        return gettext("%(summary)s, until %(date)s", summary=summary, date=until)
    if rec.end == "count" and rec.count is not None:
        return ngettext("%(summary)s, %(num)d time", "%(summary)s, %(num)d times", rec.count, summary=summary)
    return summary


def _weekday_name(weekday: int, locale: str) -> str:
    return get_day_names("wide", locale=locale)[weekday]


def _short_time(value: time, locale: str) -> str:
    # The site's one clock (ink.core.time.TIME_PATTERN): 24-hour, no seconds, in every language. CLDR's
    # "short" time would read "5:00 م" in Arabic and "5:00 PM" in plain English.
    return format_time(value, TIME_PATTERN, locale=locale)
