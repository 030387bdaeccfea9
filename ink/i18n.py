"""Interface language: ``?lang=`` on the request, else the visitor's choice (cookie), else their
account's, else the browser's; its writing direction; the alternates a page announces (hreflang)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from babel import Locale, UnknownLocaleError, dates, numbers
from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import get_locale, gettext, ngettext
from flask_login import current_user

from ink.core.errors import DomainError, PluralMessage
from ink.core.time import TIME_PATTERN, utc_to_local
from ink.extensions import babel, now
from ink.panels import panels_for
from ink.urls import absolute_url

LANGUAGE_COOKIE = "ink_lang"
LANGUAGE_PARAMETER = "lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def catalogue_languages(default: str = "en") -> tuple[str, ...]:
    """The default language plus each language with a compiled catalogue, alphabetically."""
    found = sorted(
        folder.name for folder in TRANSLATIONS.iterdir()
        if (folder / "LC_MESSAGES" / "messages.mo").is_file() and folder.name != default
    )
    return (default, *found)


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    languages = supported_languages()
    if not has_request_context():
        # CLI and scheduler: callers that render for someone use flask_babel.force_locale.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    requested = request.args.get(LANGUAGE_PARAMETER)
    if requested in languages:
        return requested
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    return request.accept_languages.best_match(languages) or languages[0]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


@lru_cache(maxsize=64)
def language_name(code: str) -> str:
    """A language's name in its own language, its first letter a capital as a list of languages
    writes it there ("Norsk bokmål", "Polski", "Українська", "العربية")."""
    locale = Locale.parse(code)
    name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=64)
def language_direction(code: str) -> str:
    """"rtl" for a language written right to left (Babel's ``Locale.character_order``), else "ltr"."""
    try:
        order = Locale.parse(str(code).replace("-", "_")).character_order
    except (ValueError, UnknownLocaleError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


def text_direction() -> str:
    """The writing direction of the current interface language (``<html dir>``)."""
    return language_direction(str(get_locale() or "en"))


def language_alternates() -> list[tuple[str, str]]:
    """``(hreflang, absolute URL)`` for this GET page in each interface language (``?lang=``), then
    ``x-default`` (the page without ``lang``, which follows the visitor); empty off a GET page."""
    if not has_request_context() or request.method not in ("GET", "HEAD") or request.endpoint is None:
        return []
    if request.url_rule is None or request.blueprint == "static":
        return []
    values: dict[str, Any] = dict(request.view_args or {})
    args = [(key, value) for key, value in request.args.items(multi=True) if key != LANGUAGE_PARAMETER]
    base = absolute_url(request.endpoint, **values)
    alternates = [(code, _with_query(base, [*args, (LANGUAGE_PARAMETER, code)])) for code in supported_languages()]
    return [*alternates, ("x-default", _with_query(base, args))]


def path_without_language() -> str:
    """This request's path and query without ``lang`` (where the language switch returns to, so the
    choice it stores is not overruled by the page's ``?lang=``)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != LANGUAGE_PARAMETER]
    return _with_query(request.path, args)


def _with_query(base: str, pairs: list[tuple[str, str]]) -> str:
    return base + ("?" + urlencode(pairs) if pairs else "")


@lru_cache(maxsize=4096)
def _language_name_in(code: str, locale: str) -> str:
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(locale)
    except (ValueError, UnknownLocaleError):
        return code
    return name or code


def language_in_locale(code: str) -> str:
    """A spoken language's name in the current interface language ("Polish" / "polsk"; pages, feeds
    and filter chips), else the code itself."""
    return _language_name_in(code, str(get_locale() or "en"))


def error_text(error: DomainError) -> str:
    """A domain error's message in the visitor's language."""
    message = error.message
    if isinstance(message, PluralMessage):
        return ngettext(message, message.plural, int(error.params[message.count_param]), **error.params)
    return gettext(message, **error.params)


def local(moment: datetime) -> datetime:
    """The network's wall-clock time of an instant (naive)."""
    return utc_to_local(moment, current_app.config["TIMEZONE"])


def formatting_locale() -> Locale:
    """Babel's locale for dates and times. Plain English means British English here: a 24-hour
    clock and the day before the month, as the network's residents read them."""
    locale = get_locale() or Locale.parse(current_app.config["BABEL_DEFAULT_LOCALE"])
    if locale.language == "en" and not locale.territory:
        return Locale("en", "GB")
    return locale


# --- the one set of date formats ------------------------------------------------------------------
# Every date a person reads goes through these names (Jinja filters of the same names below). Each
# name has a CLDR skeleton, which Babel turns into the locale's own pattern, and an exact pattern for
# our catalogue languages where CLDR's choice reads wrong (Bokmål day numbers carry a period:
# "26. november"; British English writes no comma after the weekday; CLDR abbreviates the weekday of
# Polish, Lithuanian, Spanish and Ukrainian day headings ("wt., 1 grudnia") and writes Lithuanian short
# dates and month abbreviations as numbers ("2026-12-01", "12")). Never a numeric date, never seconds.
# Arabic keeps CLDR's patterns and Babel's Latin digits for "ar" (README: Languages).
@dataclass(frozen=True)
class DateFormat:
    skeleton: str
    patterns: dict[str, str]


DATE_FORMATS: dict[str, DateFormat] = {
    # "Tuesday 26 November" / "tirsdag 26. november": day headings, emails, the door page
    "day": DateFormat("MMMMEEEEd", {
        "en": "EEEE d MMMM", "nb": "EEEE d. MMMM", "pl": "EEEE, d MMMM", "lt": "MMMM d 'd'., EEEE",
        "es": "EEEE, d 'de' MMMM", "uk": "EEEE, d MMMM"}),
    # "Tuesday 26 November 2026" / "tirsdag 26. november 2026": a date that may be in another year
    "full": DateFormat("yMMMMEEEEd", {
        "en": "EEEE d MMMM y", "nb": "EEEE d. MMMM y", "pl": "EEEE, d MMMM y",
        "lt": "y 'm'. MMMM d 'd'., EEEE", "es": "EEEE, d 'de' MMMM 'de' y", "uk": "EEEE, d MMMM y\u202f'р'."}),
    # "26 November 2026" / "26. november 2026": periods and deadlines in running text
    "long": DateFormat("yMMMMd", {"en": "d MMMM y", "nb": "d. MMMM y"}),
    # "26 Nov 2026" / "26. nov. 2026": lists, tables, chart labels
    "short": DateFormat("yMMMd", {"en": "d MMM y", "nb": "d. MMM y", "lt": "y 'm'. MMM d 'd'."}),
    # "November 2026" / "november 2026": report months
    "month": DateFormat("yMMMM", {"en": "MMMM y", "nb": "LLLL y", "pl": "LLLL y"}),
    # "November" / "november" and "Nov" / "nov.": chart axes within one year
    "month_name": DateFormat("MMMM", {
        "en": "LLLL", "nb": "LLLL", "pl": "LLLL", "lt": "LLLL", "es": "LLLL", "uk": "LLLL"}),
    "month_abbr": DateFormat("MMM", {"en": "LLL", "nb": "MMM", "pl": "LLL", "lt": "LLL", "es": "LLL", "uk": "LLL"}),
}


def format_day(value: date, name: str, locale: Locale | str) -> str:
    """A calendar date in one of the named formats (pure: no app needed)."""
    locale = Locale.parse(locale)
    try:
        spec = DATE_FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown date format {name!r}; use one of {sorted(DATE_FORMATS)}") from None
    if locale.language in spec.patterns:
        return dates.format_date(value, spec.patterns[locale.language], locale=locale)
    return dates.format_skeleton(spec.skeleton, value, locale=locale)


# Instants are aware UTC datetimes, shown on the network's wall clock; plain dates as they are.
def fmt_date(value: date | datetime, format: str = "day") -> str:
    """A date in one of DATE_FORMATS, in the current language."""
    if isinstance(value, datetime):
        value = local(value).date()
    return format_day(value, format, formatting_locale())


def fmt_time(value: datetime) -> str:
    """The wall-clock time of an instant: "17:00", never seconds."""
    return dates.format_time(local(value).time(), format=TIME_PATTERN, locale=formatting_locale())


def fmt_datetime(value: datetime, format: str = "short") -> str:
    """A date in a named format and its time: "1 Dec 2026, 17:00" / "1. des. 2026 kl. 17:00"."""
    return gettext("%(date)s, %(time)s", date=fmt_date(value, format), time=fmt_time(value))


def fmt_time_range(start: datetime, end: datetime) -> str:
    """"17:00–19:00" (an en dash, no spaces). In a right-to-left language the range is isolated as
    left-to-right text (U+2066 … U+2069), so Arabic reads it from 17:00 to 19:00, not "19:00–17:00"."""
    return left_to_right(f"{fmt_time(start)}\u2013{fmt_time(end)}", str(get_locale() or "en"))


def left_to_right(text: str, code: str) -> str:
    """``text`` (a time range) isolated as left-to-right (U+2066 … U+2069) when language ``code`` is
    written right to left, so Arabic reads "17:00–19:00" from start to end; else as it is."""
    return f"\u2066{text}\u2069" if language_direction(code) == "rtl" else text


def _today_or_tomorrow(value: datetime, today: date | None) -> str | None:
    """"Today" or "Tomorrow" when the local calendar date of ``value`` is ``today`` or the next day."""
    if today is None:
        return None
    day = local(value).date()
    if day == today:
        return gettext("Today")
    if day == today + timedelta(days=1):
        return gettext("Tomorrow")
    return None


def relative_day(value: datetime, today: date | None) -> str:
    """"Today", "Tomorrow" or the day ("Thursday 3 December"), by the local calendar date of ``value``
    against ``today`` (the local date of the moment a message is sent)."""
    return _today_or_tomorrow(value, today) or fmt_date(value, "day")


def fmt_when(start: datetime, end: datetime, is_all_day: bool = False, format: str = "day",
             today: date | None = None) -> str:
    """When an occurrence takes place: "Tuesday 1 December, 17:00–19:00" (only the date if all-day);
    with ``today``, "Tomorrow, Tuesday 1 December, 17:00–19:00" when it is today or tomorrow."""
    when = fmt_date(start, format)
    if not is_all_day:
        when = gettext("%(date)s, %(time)s", date=when, time=fmt_time_range(start, end))
    label = _today_or_tomorrow(start, today)
    return gettext("%(day)s, %(when)s", day=label, when=when) if label else when


def fmt_number(value: int | float) -> str:
    """A count in the current language's digits and grouping: "19,814" / "19 814" (Latin digits in
    every language, as the dates and times are)."""
    return numbers.format_decimal(value, locale=formatting_locale())


def fmt_average(value: float | None) -> str:
    """An average with one decimal in the current language ("45.9" / "45,9"); empty when there is none.
    CSV cells keep reports.format_average's language-free "45.9"."""
    if value is None:
        return ""
    return numbers.format_decimal(value, format="#,##0.0", locale=formatting_locale())


def list_separator() -> str:
    """What stands between the items of a list in the current language (CLDR's middle list pattern):
    ", " in most, " و" in Arabic, which joins every item with "and" rather than a Latin comma."""
    return _list_separator(str(formatting_locale()))


@lru_cache(maxsize=64)
def _list_separator(locale: str) -> str:
    return Locale.parse(locale).list_patterns["standard"]["middle"].replace("{0}", "").replace("{1}", "")


def spreadsheet_datetime(value: datetime) -> str:
    """The wall-clock time of an instant for CSV cells: "2026-12-01 17:00", which every spreadsheet sorts
    and reads as a date in any language (the only numeric form, and never shown on a page)."""
    return f"{local(value):%Y-%m-%d %H:%M}"


def _vary_on_language(response: Response) -> Response:
    """Pages depend on the language cookie and the browser's languages: say so to every cache."""
    if response.mimetype == "text/html":
        response.vary.update(("Cookie", "Accept-Language"))
    return response


def init_app(app: Flask) -> None:
    if not app.config.get("LANGUAGES"):
        app.config["LANGUAGES"] = catalogue_languages(app.config["BABEL_DEFAULT_LOCALE"])
    app.jinja_env.add_extension("jinja2.ext.do")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters.update(
        date=fmt_date, time=fmt_time, datetime=fmt_datetime, time_range=fmt_time_range, when=fmt_when, number=fmt_number,
        language_name=language_name, language_in_locale=language_in_locale,
    )
    app.jinja_env.globals.update(
        now=now, panels_for=panels_for,
        get_locale=get_locale, supported_languages=supported_languages, language_name=language_name,
        list_separator=list_separator,
        language_direction=language_direction, text_direction=text_direction,
        language_alternates=language_alternates, path_without_language=path_without_language,
    )
    app.after_request(_vary_on_language)
