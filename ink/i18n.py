"""Interface language: the visitor's choice (cookie), else their account's, else the browser's."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from babel import Locale, dates
from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale, gettext
from flask_login import current_user

from ink.core.errors import DomainError
from ink.core.time import utc_to_local
from ink.extensions import babel

LANGUAGE_COOKIE = "ink_lang"
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
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    return request.accept_languages.best_match(languages) or languages[0]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def language_name(code: str) -> str:
    """A language's name in its own language ("Norsk bokmål", "English")."""
    locale = Locale.parse(code)
    return (locale.get_display_name(locale) or code).capitalize()


def error_text(error: DomainError) -> str:
    """A domain error's message in the visitor's language."""
    return gettext(error.message, **error.params)


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


# Instants are aware UTC datetimes, shown on the network's wall clock; plain dates as they are.
def fmt_date(value: date | datetime, format: str = "full") -> str:
    if isinstance(value, datetime):
        value = local(value).date()
    return dates.format_date(value, format=format, locale=formatting_locale())


def fmt_time(value: datetime) -> str:
    return dates.format_time(local(value).time(), format="HH:mm", locale=formatting_locale())


def fmt_datetime(value: datetime, format: str = "medium") -> str:
    return dates.format_datetime(local(value), format=format, locale=formatting_locale())


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    if not app.config.get("LANGUAGES"):
        app.config["LANGUAGES"] = catalogue_languages(app.config["BABEL_DEFAULT_LOCALE"])
    app.jinja_env.add_extension("jinja2.ext.do")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters.update(
        date=fmt_date, time=fmt_time, datetime=fmt_datetime, language_name=language_name
    )
    from ink.extensions import now
    from ink.panels import panels_for

    app.jinja_env.globals.update(
        now=now, panels_for=panels_for,
        get_locale=get_locale, supported_languages=supported_languages, language_name=language_name
    )
