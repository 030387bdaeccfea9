"""The residents' site: programme, event pages, organisation directory (read-only)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from itertools import takewhile
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from markupsafe import Markup
from flask_login import current_user

from ink.auth.redirects import safe_next
from ink.core.errors import NotFound, ValidationFailed
from ink.core.text import fold_text
from ink.core.time import local_date, local_day_bounds
from ink.events.filters import FeedFilter, ResolvedFilter, filter_choices, parse_filter, resolve_filter
from ink.events.models import EventSeries, Occurrence, Venue
from ink.events.service import upcoming_occurrences
from ink.events.window import by_local_day, parse_window
from ink.events.reading import texts_of
from ink.events.summary import schedule_summary
from ink.extensions import now
from ink.i18n import LANGUAGE_COOKIE, formatting_locale, language_in_locale
from ink.organisations.access import can_manage_organisation
from ink.organisations.models import Organisation
from ink.organisations.service import get_organisation_by_slug
from ink.page_cache import cached_page, memoized
from ink.public import filtering, periods, queries, sharing
from ink.saving import commit

bp = Blueprint("public", __name__)

DEFAULT_DAYS = 14
# What slugify produces, and BCP 47-ish language codes: anything else cannot match a row.
SLUG = re.compile(r"[a-z0-9-]{1,80}")
LANGUAGE_CODE = re.compile(r"[A-Za-z0-9-]{1,16}")
# A search (?q=) without start/days looks this far ahead: a search for "kite" in December finds the summer festival.
SEARCH_DAYS = 365
MAX_SEARCH_RESULTS = 100  # series listed for one search


@dataclass
class NextDate:
    """What the top of an event page says about when: the next date that takes place, the cancelled
    dates before it, and (when nothing is coming) the last date that took place."""

    occurrence: Occurrence | None
    cancelled_before: list[Occurrence]
    last: Occurrence | None


@dataclass
class EventSharing:
    """An event page's link-preview tags, share links and JSON-LD (public events only)."""

    url: str
    title: str
    description: str
    meta_description: str
    locale: str
    links: sharing.ShareLinks
    image: sharing.ShareImage | None
    structured_data: Markup | None  # None when no date is coming: nothing for event results


def _timezone() -> str:
    return str(current_app.config["TIMEZONE"])


def _programme_dates(resolved: ResolvedFilter, view: str, is_search: bool, first_day: date, last_day: date,
                     moment: datetime, tz: str) -> tuple[list[Occurrence], list[Occurrence]]:
    """(search results, dates) for the programme's days: a search in the list view gives one line per
    matching event (its next date in the window), best match first; otherwise every date in time order
    (a grid shows what matches a search among its days)."""
    window_start = local_day_bounds(first_day, tz)[0]
    window_end = local_day_bounds(last_day, tz)[1]
    # From today on, what has already ended is no longer "on" (a calendar grid shows its whole period).
    is_from_now = view == "list" and first_day <= local_date(moment, tz) <= last_day
    query_start = max(window_start, moment) if is_from_now else window_start
    if is_search:
        return queries.search_occurrences(resolved.condition, resolved.search_words, query_start, window_end,
                                          limit=MAX_SEARCH_RESULTS), []
    return [], queries.programme_occurrences(resolved.condition, query_start, window_end)


@bp.get("/")
@cached_page
def programme() -> ResponseReturnValue:
    """The programme, filtered with the parameters of /calendar.ics, /feed.atom and /api/v1/occurrences,
    as a list of days or a week or month grid (``view``; ink.public.periods, ink.public.calendar)."""
    tz = _timezone()
    moment = now()
    today = local_date(moment, tz)
    view = periods.parse_view(request.args)
    start, days = parse_window(request.args, today, default_days=DEFAULT_DAYS)
    feed_filter = parse_filter(request.args)
    # A search lists its matches ranked, over the coming year unless a window is asked for.
    is_search = bool(feed_filter.query) and view == "list"
    is_explicit_window = "start" in request.args or "days" in request.args
    if is_search and not is_explicit_window:
        days = SEARCH_DAYS
    locale = formatting_locale()
    period = periods.shown_period(view, start, days, locale)
    first_day, last_day = periods.grid_days(period, locale)
    # Dates count where they take place, as in the API and the Atom feed (a moved date follows its venue).
    resolved = resolve_filter(feed_filter, per_occurrence=True)
    results, occurrences = _programme_dates(resolved, view, is_search, first_day, last_day, moment, tz)
    # The window as asked (None: the default), so links that drop a filter keep the period.
    kept_start = start if "start" in request.args else None
    kept_days = days if "days" in request.args else None
    return render_template(
        "public/programme.html",
        days=by_local_day(occurrences, tz, start) if view == "list" else [],
        start=period.first,
        last=period.last,
        length=days,
        is_default_window=(view == "list" and start == today and days == DEFAULT_DAYS),
        is_search=is_search,
        # Paging by a year is no paging (and beyond ?days='s limit): a search over the coming year has none.
        has_period_nav=not is_search or is_explicit_window,
        results=results,
        from_today_url=filtering.programme_url(feed_filter, view=view),
        today=today,
        selected=feed_filter,
        choices=memoized(("filter_choices", today, str(locale)), lambda: filter_choices(moment)),  # labels are translated
        chips=filtering.chips(feed_filter, resolved, language_name=language_in_locale,
                              start=kept_start, days=kept_days, view=view),
        clear_url=filtering.programme_url(FeedFilter(), start=kept_start, days=kept_days, view=view),
        window_start=kept_start,
        window_days=kept_days,
        **periods.page_context(feed_filter, period, occurrences, tz=tz, today=today, locale=locale, days=days,
                               kept_start=kept_start, kept_days=kept_days),
    )


def _can_preview(series: EventSeries) -> bool:
    return bool(current_user.is_authenticated) and any(
        can_manage_organisation(current_user, organisation) for organisation in series.organisations
    )




def map_url(venue: Venue) -> str | None:
    """A plain OpenStreetMap link (no embedded map: our pages make no third-party requests)."""
    if venue.has_geo:
        lat, lon = f"{venue.latitude:.5f}", f"{venue.longitude:.5f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    if venue.address:
        return "https://www.openstreetmap.org/search?query=" + quote(venue.address)
    return None


def _next_date(series: EventSeries, occurrences: list[Occurrence], moment: datetime) -> NextDate:
    """From the upcoming dates (soonest first, cancelled ones included): the first that takes place."""
    upcoming = next((occ for occ in occurrences if not occ.is_cancelled), None)
    cancelled_before = list(takewhile(lambda occ: occ.is_cancelled, occurrences))
    if series.is_cancelled:
        cancelled_before = []  # the whole event is cancelled: said once, not per date
    last = queries.last_date_that_took_place(series, moment) if not occurrences else None
    return NextDate(upcoming, cancelled_before, last)


def _sharing(series: EventSeries, occurrences: list[Occurrence], next_date: NextDate) -> EventSharing:
    url = sharing.event_url(series)
    preview = sharing.preview_text(series, next_date.occurrence)
    image = sharing.event_image(series)
    events = sharing.event_structured_data(series, occurrences, image)
    texts = texts_of(series)  # the reader's version, as on the page
    return EventSharing(
        url=url,
        title=texts["title"],
        description=preview,
        meta_description=sharing.meta_description(series, preview, texts["description_html"]),
        locale=sharing.og_locale(formatting_locale()),
        links=sharing.share_links(url, texts["title"], preview),
        image=image,
        structured_data=sharing.script_json(events) if events else None,
    )


@bp.get("/events/<int:series_id>")
@cached_page
def event(series_id: int) -> ResponseReturnValue:
    series = queries.series_with_details(series_id)
    if series is None:
        raise NotFound(gettext("No such event."))
    if not series.is_public and not _can_preview(series):
        raise NotFound(gettext("No such event."))
    moment = now()
    occurrences = upcoming_occurrences(series, now=moment, limit=10)
    next_date = _next_date(series, occurrences, moment)
    return render_template(
        "public/event.html",
        series=series,
        is_draft=series.is_draft,
        summary=schedule_summary(series),
        occurrences=occurrences,
        next_date=next_date,
        today=local_date(moment, _timezone()),
        # A preview of a draft or of a hidden organisation's event is not for sharing or indexing.
        sharing=_sharing(series, occurrences, next_date) if series.is_public else None,
        map_url=map_url(series.venue) if series.venue else None,
        map_url_for=map_url,
    )


@bp.get("/organisations/")
@cached_page
def organisation_directory() -> ResponseReturnValue:
    topic_slug = request.args.get("topic", "").strip()
    language = request.args.get("language", "").strip()
    topic = queries.topic_by_slug(topic_slug) if SLUG.fullmatch(topic_slug) else None
    if topic_slug and topic is None:
        raise NotFound(gettext("No such topic."))
    if language and not LANGUAGE_CODE.fullmatch(language):
        raise ValidationFailed(gettext("Unknown language."), "language")
    return render_template(
        "public/organisations.html",
        organisations=queries.active_organisations(topic=topic, language=language or None),
        topics=queries.all_topics(),
        languages=sorted(queries.directory_languages(), key=lambda code: fold_text(language_in_locale(code))),
        selected_topic=topic,
        selected_language=language,
    )


@bp.get("/topics/<slug>")
@cached_page
def topic(slug: str) -> ResponseReturnValue:
    found = queries.topic_by_slug(slug) if SLUG.fullmatch(slug) else None
    if found is None:
        raise NotFound(gettext("No such topic."))
    return render_template(
        "public/topic.html",
        topic=found,
        occurrences=queries.topic_occurrences(found, now=now()),
        organisations=queries.active_organisations(topic=found, language=None),
    )


@bp.get("/organisations/<slug>")
@cached_page
def organisation(slug: str) -> ResponseReturnValue:
    found: Organisation | None = get_organisation_by_slug(slug) if SLUG.fullmatch(slug) else None
    if found is None:
        raise NotFound(gettext("No such organisation."))
    is_hidden = not found.is_public
    if is_hidden and not (current_user.is_authenticated and can_manage_organisation(current_user, found)):
        raise NotFound(gettext("No such organisation."))
    return render_template(
        "public/organisation.html",
        organisation=found,
        is_hidden=is_hidden,
        occurrences=queries.organisation_occurrences(found, now=now()),
    )


@bp.get("/healthz")
def healthz() -> Response:
    """A trivial endpoint: liveness checks and the benchmarks' baseline."""
    return Response("ok", mimetype="text/plain")


@bp.post("/language")
def set_language() -> ResponseReturnValue:
    language = request.form.get("lang", "")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    response = make_response(redirect(safe_next(request.form.get("next"), url_for("public.programme"))))
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    if current_user.is_authenticated:
        current_user.locale = language
        commit()
    return response

