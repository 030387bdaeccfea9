"""Feeds (text/calendar), the occurrences API (JSON) and the subscribe page."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlencode

import segno
from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from ink.core.errors import NotFound, ValidationFailed
from ink.core.text import slugify
from ink.core.time import as_utc, in_zone, local_midnight_utc, utc_to_local
from ink.events.models import Audience, EventSeries, Occurrence
from ink.extensions import db, now
from ink.i18n import language_in_locale
from ink.core.texts import offered_versions
from ink.organisations.text_versions import network_languages, versions_of
from ink.feeds import atom, ical, openapi
from ink.events.filters import FeedFilter, ResolvedFilter, filter_choices, parse_filter, resolve_filter
from ink.feeds.query import (
    feed_content, feed_occurrence, feed_texts, occurrence_series, occurrences_in, series_feed_texts,
)
from ink.feeds.service import (
    FeedCache,
    Rendered,
    cached_render,
    current_version,
    version_details,
    local_today,
    make_etag,
    window_start_at,
)
from ink.saving import commit_writes
from ink.urls import absolute_url

bp = Blueprint("feeds", __name__)
api_bp = Blueprint("feeds_api", __name__, url_prefix="/api/v1")

MAX_API_WINDOW_DAYS = 366
CACHE_CONTROL = "public, max-age=300"
_ETAG_LIST = re.compile(r'^\s*(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)\s*$')
_ETAG = re.compile(r'(?:W/)?("[^"]*")')


# --- helpers ---------------------------------------------------------------------------------------

def webcal(url: str) -> str:
    return re.sub(r"^https?://", "webcal://", url)


def past_window_days() -> int:
    value = current_app.config["FEED_PAST_WINDOW"]
    return value.days if isinstance(value, timedelta) else int(value)


def feed_meta(name: str, description: str, window: datetime | None) -> ical.FeedMeta:
    return ical.FeedMeta(
        name=name, description=description, base_url=current_app.config["BASE_URL"],
        cancelled_format=_("Cancelled: %(title)s"), timezone=current_app.config["TIMEZONE"],
        window_start=window, organizer_email=current_app.config["NETWORK_EMAIL"],
    )


def _cache() -> FeedCache:
    return current_app.extensions["ink.feeds.cache"]


def _etag_matches(etag: str) -> bool:
    """Whether the request's If-None-Match names ``etag`` (or is ``*``); a malformed one never does."""
    if_none_match = request.headers.get("If-None-Match", "")
    if not _ETAG_LIST.match(if_none_match):
        return False
    if if_none_match.strip() == "*":
        return True
    return etag in _ETAG.findall(if_none_match)  # weak comparison, as for GET


def _not_modified(rendered: Rendered) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since; a malformed header is ignored (200)."""
    if request.headers.get("If-None-Match") is not None:
        return _etag_matches(rendered.etag)
    if_modified_since = request.headers.get("If-Modified-Since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False
    if since is None or since.tzinfo is None:
        return False
    return rendered.last_modified <= as_utc(since)


def conditional_response(rendered: Rendered, content_type: str, **headers: str) -> Response:
    """A cached feed as a response: its validators on every answer, 304 when the client's copy is
    current (RFC 9110), else the body with ``content_type`` and any other ``headers``."""
    validators = {
        "ETag": rendered.etag,
        "Last-Modified": format_datetime(rendered.last_modified, usegmt=True),
        "Cache-Control": CACHE_CONTROL,
    }
    if _not_modified(rendered):
        return Response(status=304, headers=validators)
    response = Response(rendered.body, status=200, headers={**validators, **headers})
    response.headers["Content-Type"] = content_type
    return response


def _calendar_response(rendered: Rendered, filename: str, *, disposition: str = "inline") -> Response:
    return conditional_response(rendered, "text/calendar; charset=utf-8",
                                **{"Content-Disposition": f'{disposition}; filename="{filename}"'})


def feed_language() -> str:
    """A feed's language comes from ``?lang=`` (calendar apps send neither cookies nor
    Accept-Language), else the default: the same URL always gives the same calendar."""
    languages = current_app.config["LANGUAGES"]
    language = request.args.get("lang", "").strip() or current_app.config["BABEL_DEFAULT_LOCALE"]
    if language not in languages:
        raise ValidationFailed(_("Parameter lang must be one of %(codes)s.", codes=", ".join(languages)), "lang")
    return language


def language_query() -> dict[str, str]:
    """``{"lang": …}`` for feed links made on a page read in another language than the default."""
    current = str(get_locale())
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    return {"lang": current} if current != default and current in current_app.config["LANGUAGES"] else {}


def cached_feed(key: tuple[object, ...], render: Callable[[date], tuple[bytes, datetime]]) -> Rendered:
    """A feed from the render cache at the data's current version, else ``render(today)`` (the bytes
    and the time of the last change they reflect; they may depend only on the data and the day)."""
    moment = now()
    tz = current_app.config["TIMEZONE"]
    today = local_today(moment, tz)
    version = _cache().version(current_version)
    rendered = cached_render(_cache(), key, version=version, today=today, tz=tz, now=moment,
                             render=lambda: render(today))
    commit_writes()  # a render that found an unsignalled change bumped the feed state
    return rendered


def serve_feed(feed_filter: FeedFilter, filename: str, *, missing: str,
               describe: Callable[..., tuple[str, str]]) -> Response:
    """Serve a calendar feed: the version query, then the cache or a render, then conditional handling."""
    tz = current_app.config["TIMEZONE"]
    language = feed_language()

    def render(today: date) -> tuple[bytes, datetime]:
        with force_locale(language):
            resolved = resolve_filter(feed_filter, missing=missing)
            window = window_start_at(today, tz, past_window_days())
            series, rows = feed_content(resolved.condition, window_start=window)
            name, description = describe(resolved)
            body = ical.build_calendar(series, rows, meta=feed_meta(name, description, window),
                                       texts=feed_texts(series, language))
        return body, version_details(series)

    rendered = cached_feed(("feed", missing, feed_filter.cache_key(), language), render)
    return _calendar_response(rendered, filename)


def _programme_description(resolved: ResolvedFilter) -> tuple[str, str]:
    return _("INK Events"), _("The programme of the INK network.")


# --- feeds ---------------------------------------------------------------------------------------

def selection_name(feed_filter: FeedFilter, resolved: ResolvedFilter) -> str:
    """A filtered feed's name from its filter, in the current language: "INK Events: Children, Polish"."""
    parts = [_("“%(query)s”", query=feed_filter.query)] if feed_filter.query else []
    parts += [organisation.name for organisation in resolved.organisations]
    parts += [topic.display_name for topic in resolved.topics]
    parts += [venue.name for venue in resolved.venues]
    parts += [_(audience.label) for audience in Audience if audience.value in feed_filter.audiences]
    parts += [language_in_locale(code) for code in sorted(feed_filter.languages)]
    parts += [_("age %(age)s", age=age) for age in sorted(feed_filter.ages)]
    if feed_filter.is_drop_in:
        parts.append(_("drop-in"))
    return _("INK Events: %(selection)s", selection=", ".join(parts))


def selection_filename(feed_filter: FeedFilter) -> str:
    """ink-events-children-pl.ics: the filter's values, so that two downloads do not share a name."""
    if feed_filter.is_empty:
        return "ink-events.ics"
    values = [*([slugify(feed_filter.query)] if feed_filter.query else []), *feed_filter.organisations, *feed_filter.topics, *feed_filter.venues,
              *(audience.value for audience in Audience if audience.value in feed_filter.audiences),
              *sorted(feed_filter.languages), *(f"age-{age}" for age in sorted(feed_filter.ages)),
              *(["drop-in"] if feed_filter.is_drop_in else [])]  # as in the name
    return f"ink-events-{_short('-'.join(values))}.ics"


@bp.get("/calendar.ics")
def programme_feed() -> Response:
    feed_filter = parse_filter(request.args)

    def describe(resolved: ResolvedFilter) -> tuple[str, str]:
        if feed_filter.is_empty:
            return _programme_description(resolved)
        return selection_name(feed_filter, resolved), _("A selection from the programme of the INK network.")

    return serve_feed(feed_filter, selection_filename(feed_filter), missing="400", describe=describe)


def _canonical_query(feed_filter: FeedFilter, language: str) -> str:
    """The filter (and a language other than the default) as a query string in a stable order."""
    items = feed_filter.query_items()
    if language != current_app.config["BABEL_DEFAULT_LOCALE"]:
        items.append(("lang", language))
    return f"?{urlencode(items)}" if items else ""


def atom_url(feed_filter: FeedFilter, *, absolute: bool = True) -> str:
    """The /feed.atom URL of a filter, in the language of the page that links it: absolute for
    people to copy, a path for a page's <link rel="alternate"> (no absolute URL in a <link>)."""
    query = urlencode(feed_filter.query_items() + list(language_query().items()))
    base = absolute_url("feeds.atom_feed") if absolute else url_for("feeds.atom_feed")
    return base + (f"?{query}" if query else "")


def _render_atom(feed_filter: FeedFilter, language: str, today: date) -> tuple[bytes, datetime]:
    """The Atom feed of ``feed_filter`` from ``today`` on, and the time of the last change it reflects."""
    tz = current_app.config["TIMEZONE"]
    base_url = current_app.config["BASE_URL"]
    # Whole local days (from today's midnight): the bytes change with the data or the date, never
    # with the hour, as cached_render requires.
    start = local_midnight_utc(today, tz)
    end = local_midnight_utc(today + timedelta(days=atom.UPCOMING_DAYS), tz)
    with force_locale(language):
        resolved = resolve_filter(feed_filter, per_occurrence=True)  # venue: where each date takes place
        found = occurrences_in(resolved.condition, start, end)
        # The feed's updated is its Last-Modified: any recorded change, so a date that left the
        # feed (unpublished, its organisation suspended) moves it too.
        updated = max(version_details(occurrence_series(found)), start)
        url = absolute_url("feeds.atom_feed") + _canonical_query(feed_filter, language)
        feed = atom.AtomFeed(
            id=url, self_url=url, language=language, updated=updated,
            title=selection_name(feed_filter, resolved) if not feed_filter.is_empty else _("INK Events"),
            subtitle=_("Upcoming events in the programme of the INK network."),
            # The programme takes the same filters (its language is the reader's own choice).
            alternate_url=absolute_url("public.programme")
            + _canonical_query(feed_filter, current_app.config["BABEL_DEFAULT_LOCALE"]),
            author=atom.AtomPerson(_("INK Events"), base_url),
        )
        body = atom.build_feed(feed, atom.occurrence_entries(found, base_url=base_url))
    return body, updated


@bp.get("/feed.atom")
def atom_feed() -> Response:
    """Upcoming dates as Atom entries, with the filters of /calendar.ics (see ink.feeds.atom)."""
    feed_filter = parse_filter(request.args)
    language = feed_language()
    rendered = cached_feed(("atom", feed_filter.cache_key(), language),
                           lambda today: _render_atom(feed_filter, language, today))
    return conditional_response(rendered, atom.CONTENT_TYPE)


def _named_feed(feed_filter: FeedFilter, slug: str, name_of: Callable[[ResolvedFilter], str],
                description_of: Callable[[str], str]) -> Response:
    """The feed of one organisation, topic or venue, named after it (404 when the slug names nothing)."""
    def describe(resolved: ResolvedFilter) -> tuple[str, str]:
        name = name_of(resolved)
        return _("%(name)s · INK Events", name=name), description_of(name)

    return serve_feed(feed_filter, f"{_short(slug)}.ics", missing="404", describe=describe)


@bp.get("/organisations/<slug>/calendar.ics")
def organisation_feed(slug: str) -> Response:
    return _named_feed(FeedFilter(organisations=(slug.lower(),)), slug, lambda found: found.organisations[0].name,
                       lambda name: _("Events organised by %(name)s in the INK network.", name=name))


@bp.get("/topics/<slug>/calendar.ics")
def topic_feed(slug: str) -> Response:
    return _named_feed(FeedFilter(topics=(slug.lower(),)), slug, lambda found: found.topics[0].display_name,
                       lambda name: _("INK network events on %(name)s.", name=name))


@bp.get("/venues/<slug>/calendar.ics")
def venue_feed(slug: str) -> Response:
    return _named_feed(FeedFilter(venues=(slug.lower(),)), slug, lambda found: found.venues[0].name,
                       lambda name: _("INK network events at %(name)s.", name=name))


def _visible_series(series_id: int) -> EventSeries:
    series = db.session.get(EventSeries, series_id)
    if series is None or not series.is_public:
        raise NotFound(_("We could not find that event."))
    return series


@bp.get("/events/<int:series_id>.ics")
def series_feed(series_id: int) -> Response:
    series = _visible_series(series_id)
    title = series_feed_texts(series, feed_language()).title

    def describe(resolved: ResolvedFilter) -> tuple[str, str]:
        return title, _("Dates of %(title)s in the INK network's programme.", title=title)

    return serve_feed(FeedFilter(series_id=series.id), f"event-{series.id}.ics", missing="404",
                      describe=describe)


@bp.get("/events/<int:series_id>/dates/<int:occurrence_id>.ics")
def occurrence_download(series_id: int, occurrence_id: int) -> Response:
    """"Add this date": one occurrence as a standalone event, downloaded as a file."""
    series = _visible_series(series_id)
    occ = db.session.get(Occurrence, occurrence_id)
    if occ is None or occ.series_id != series.id:
        raise NotFound(_("We could not find that date."))
    texts = series_feed_texts(series, feed_language())
    meta = feed_meta(texts.title, _("One date from the INK network's programme."), None)
    body = ical.build_occurrence_calendar(series, feed_occurrence(occ), meta=meta, texts=texts)
    last_modified = max(series.updated_at, occ.updated_at or series.updated_at).replace(microsecond=0)
    rendered = Rendered(body, make_etag(body), last_modified, (), 0.0)
    day = utc_to_local(occ.start_at, series.timezone).date().isoformat()
    return _calendar_response(rendered, f"event-{series.id}-{day}.ics", disposition="attachment")


def _short(slug: str) -> str:
    cleaned = re.sub(r"[^a-z0-9-]+", "-", slug.lower()).strip("-")[:40]
    return cleaned or "calendar"


# --- subscribe page --------------------------------------------------------------------------------

def feed_url(feed_filter: FeedFilter) -> str:
    query = urlencode(feed_filter.query_items() + list(language_query().items()))
    return absolute_url("feeds.programme_feed") + (f"?{query}" if query else "")


def qr_svg(url: str) -> Markup:
    """The QR code as inline SVG, made on the server (no script, no external service)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff", title=url)
    return Markup(svg)  # segno escapes the title; the rest is its own markup


@bp.get("/subscribe")
def subscribe() -> tuple[str, int] | str:
    error = None
    status = 200
    try:
        feed_filter = parse_filter(request.args)
        resolve_filter(feed_filter)
    except ValidationFailed as failure:
        error, status, feed_filter = failure.message, 422, FeedFilter()
    url = feed_url(feed_filter)
    return render_template(
        "feeds/subscribe.html", choices=filter_choices(now()), selected=feed_filter, feed_url=url,
        webcal_url=webcal(url), qr=qr_svg(url), error=error, atom_url=atom_url(feed_filter),
        atom_path=atom_url(feed_filter, absolute=False),
    ), status


# --- JSON API ------------------------------------------------------------------------------------

def _api_date(name: str) -> date:
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        raise ValidationFailed(_("Parameter %(name)s is required (YYYY-MM-DD).", name=name), name)
    try:
        return date.fromisoformat(raw.strip()) if len(raw.strip()) == 10 else _bad_date(name)
    except ValueError:
        return _bad_date(name)


def _bad_date(name: str) -> date:
    raise ValidationFailed(_("Parameter %(name)s must be a date as YYYY-MM-DD.", name=name), name)


def _iso(instant: datetime, series: EventSeries, *, as_date: bool) -> str:
    local = utc_to_local(instant, series.timezone)
    if as_date:
        return local.date().isoformat()
    return in_zone(instant, series.timezone).isoformat()


def _occurrence_json(occ: Occurrence) -> dict[str, object]:
    series = occ.series
    all_day = series.is_all_day
    venue = occ.venue
    return {
        "series_id": series.id,
        "uid": series.uid,
        "recurrence_id": _iso(occ.original_start_at, series, as_date=all_day),
        "start": _iso(occ.start_at, series, as_date=all_day and _midnight(occ.start_at, series)),
        "end": _iso(occ.end_at, series, as_date=all_day and _midnight(occ.end_at, series)),
        "all_day": all_day,
        "status": "cancelled" if occ.is_cancelled else "scheduled",
        "title": series.title,
        "venue": None if venue is None else {"slug": venue.slug, "name": venue.name, "address": venue.address},
        "organisation": {"slug": series.organisation.slug, "name": series.organisation.name},
        "audiences": [audience.value for audience in series.audiences],
        "url": absolute_url("public.event", series_id=series.id),
        "original_language": series.original_language,
        "texts": _texts_json(series),
    }


def _texts_json(series: EventSeries) -> dict[str, dict[str, str]]:
    """The original's texts and each version offered (issue 12), by language code, the original first."""
    texts = {series.original_language: series.original_texts}
    texts.update({code: dict(version) for code, version in offered_versions(
        series.original_language, versions_of(series), network_languages()).items()})
    return texts


def _midnight(instant: datetime, series: EventSeries) -> bool:
    return utc_to_local(instant, series.timezone).time() == datetime.min.time()


@api_bp.errorhandler(ValidationFailed)
def api_validation_error(error: ValidationFailed) -> tuple[Response, int]:
    db.session.rollback()
    return jsonify(error=error.message, parameter=error.field, status=400), 400


@api_bp.get("/occurrences")
def occurrences_api() -> Response:
    """Occurrences overlapping the local days start..end (both inclusive), live and cancelled."""
    start, end = _api_date("start"), _api_date("end")
    if end < start:
        raise ValidationFailed(_("Parameter end must not be before start."), "end")
    if (end - start).days + 1 > MAX_API_WINDOW_DAYS:
        raise ValidationFailed(
            ngettext("The window from start to end may cover at most %(days)s day; ask for several windows.",
                     "The window from start to end may cover at most %(days)s days; ask for several windows.",
                     MAX_API_WINDOW_DAYS, days=MAX_API_WINDOW_DAYS), "end")
    resolved = resolve_filter(parse_filter(request.args), per_occurrence=True)
    tz = current_app.config["TIMEZONE"]
    found = occurrences_in(resolved.condition, local_midnight_utc(start, tz),
                           local_midnight_utc(end + timedelta(days=1), tz))
    return jsonify([_occurrence_json(occ) for occ in found])


@api_bp.get("/openapi.json")
def openapi_description() -> Response:
    """The OpenAPI 3.1 description of this API (ink.feeds.openapi), cached like a static file."""
    body = current_app.extensions.get("ink.feeds.openapi")
    if body is None:  # the same bytes for the life of the process
        body = current_app.extensions["ink.feeds.openapi"] = openapi.document_bytes(
            max_window_days=MAX_API_WINDOW_DAYS)
    etag = make_etag(body)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={current_app.config['STATIC_UNVERSIONED_MAX_AGE']}"}
    if _etag_matches(etag):
        return Response(status=304, headers=headers)
    return Response(body, status=200, headers=headers, content_type="application/json")
