"""The widget for member organisations' websites: /embed, a compact list of the next dates for an
<iframe>, and /embed.js, the one-line snippet that inserts that iframe and sizes it to its content.

/embed takes the feeds' filter parameters (parsed, resolved and selected by ink.feeds.query, as the
feeds and the API do) and ``theme``, ``lang`` and ``limit``. It is the one page other sites may frame
(CSP ``frame-ancestors`` from EMBED_FRAME_ANCESTORS, no X-Frame-Options), and it and the script set no
cookie at all (ink.web.cookieless): a member's visitors are not tracked by us, and the visitor's own
language cookie or sign-in never changes what a member's page shows (``lang`` decides, else the
network's default). Like the feeds, it is rendered from the data and the day only, and cached by them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from flask import Response, current_app, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

from ink.core.errors import ValidationFailed
from ink.core.time import local_midnight_utc
from ink.events.reading import texts_of
from ink.events.models import Occurrence
from ink.events.filters import DROP_IN_PARAMETER, FILTER_PARAMETERS, FeedFilter, parse_filter, resolve_filter
from ink.feeds.query import occurrence_series, occurrences_in
from ink.feeds.service import version_details
from ink.feeds.views import bp, cached_feed, conditional_response, feed_language, selection_name
from ink.i18n import fmt_time_range, relative_day
from ink.urls import absolute_url
from ink.web import content_security_policy, cookieless

THEMES = ("auto", "light", "dark")  # auto follows the visitor's prefers-color-scheme
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
WINDOW_DAYS = 366  # how far ahead the next dates are looked for (a yearly event still shows)
HTML_TYPE = "text/html; charset=utf-8"
SCRIPT_TYPE = "text/javascript; charset=utf-8"
SCRIPT_CACHE_CONTROL = "public, max-age=86400"  # the snippet changes rarely; a day is soon enough
# The snippet's data-* attributes that become the iframe's query parameters (comma-separated values).
SNIPPET_PARAMETERS = (*FILTER_PARAMETERS, DROP_IN_PARAMETER, "theme", "lang", "limit")


@dataclass(frozen=True)
class EmbedOptions:
    """What /embed shows, from its query string."""

    feed_filter: FeedFilter
    theme: str
    language: str
    limit: int


def _theme() -> str:
    theme = request.args.get("theme", "").strip().lower() or "auto"
    if theme not in THEMES:
        raise ValidationFailed(_("Parameter theme must be one of %(values)s.", values=", ".join(THEMES)), "theme")
    return theme


def _limit() -> int:
    raw = request.args.get("limit", "").strip()
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdecimal() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationFailed(_("Parameter limit must be a whole number from 1 to %(max)s.", max=MAX_LIMIT), "limit")
    return int(raw)


def embed_options() -> EmbedOptions:
    """The request's options; an unknown value raises ValidationFailed naming its parameter."""
    return EmbedOptions(feed_filter=parse_filter(request.args), theme=_theme(), language=feed_language(),
                        limit=_limit())


def site_name() -> str:
    """Our site as a member's visitors know it: the host of BASE_URL ("ink.example.org")."""
    base_url = str(current_app.config["BASE_URL"])
    return urlsplit(base_url).netloc or base_url


def programme_url(feed_filter: FeedFilter) -> str:
    """The programme on our site with the widget's filters (the programme takes the same parameters)."""
    query = urlencode(feed_filter.query_items())
    return absolute_url("public.programme") + (f"?{query}" if query else "")


def answer_language() -> str:
    """The language of the answer, errors included: a known ``lang``, else the network's default
    (never the visitor's cookie, account or browser)."""
    requested = request.args.get("lang", "").strip()
    return requested if requested in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


@dataclass(frozen=True)
class EmbedRow:
    """One date as the widget lists it."""

    day: str
    time: str
    title: str
    place: str
    url: str
    start_at: datetime
    is_cancelled: bool
    title_language: str = ""  # the title's real language (issue 12: a version, or the original's)


def embed_row(occ: Occurrence, today: date) -> EmbedRow:
    series = occ.series
    venue = occ.venue
    texts = texts_of(series)
    return EmbedRow(
        day=relative_day(occ.start_at, today),
        time=_("All day") if series.is_all_day else fmt_time_range(occ.start_at, occ.end_at),
        title=texts["title"], place=venue.name if venue else "",
        url=absolute_url("public.event", series_id=series.id), start_at=occ.start_at,
        is_cancelled=occ.is_cancelled, title_language=texts.lang("title"),
    )


def render_embed(options: EmbedOptions, today: date) -> tuple[bytes, datetime]:
    """The widget's page from ``today`` on (whole local days, so the bytes change only with the data or
    the date, as the render cache requires) and the time of the last change it reflects."""
    tz = current_app.config["TIMEZONE"]
    start = local_midnight_utc(today, tz)
    end = local_midnight_utc(today + timedelta(days=WINDOW_DAYS), tz)
    with force_locale(options.language):
        # venue: where each date takes place, as in the occurrences API and the Atom feed
        resolved = resolve_filter(options.feed_filter, per_occurrence=True)
        found = occurrences_in(resolved.condition, start, end, limit=options.limit)
        title = _("INK Events") if options.feed_filter.is_empty else selection_name(options.feed_filter, resolved)
        body = render_template(
            "feeds/embed.html", title=title, theme=options.theme, language=options.language,
            rows=[embed_row(occ, today) for occ in found], site=site_name(),
            programme_url=programme_url(options.feed_filter),
        )
    return body.encode(), max(version_details(occurrence_series(found)), start)


def framable(response: Response) -> Response:
    """Let the sites of EMBED_FRAME_ANCESTORS frame this response (and no X-Frame-Options)."""
    ancestors = " ".join(str(current_app.config["EMBED_FRAME_ANCESTORS"]).split()) or "'none'"
    response.headers["Content-Security-Policy"] = content_security_policy(ancestors)
    return response


def script_snippet(organisation_slug: str) -> str:
    """The one line a member pastes into its website."""
    return (f'<script src="{absolute_url("feeds.embed_script")}" data-organisation="{escape(organisation_slug)}">'
            "</script>")


def iframe_snippet(organisation_slug: str, title: str) -> str:
    """The same widget without a script: a plain iframe of a fixed height."""
    src = absolute_url("feeds.embed", organisation=organisation_slug)
    return (f'<iframe src="{escape(src)}" title="{escape(title)}" width="100%" height="480" '
            'style="border:0"></iframe>')


@bp.get("/embed")
@cookieless
def embed() -> Response:
    """The widget's page (see the module's docstring); a 400 with the reason in the frame itself."""
    language = answer_language()
    with force_locale(language):
        try:
            options = embed_options()
            rendered = cached_feed(("embed", options.feed_filter.cache_key(), options.language, options.theme,
                                    options.limit), lambda today: render_embed(options, today))
        except ValidationFailed as failure:
            page = render_template("feeds/embed_error.html", message=failure.message, language=language)
            return framable(Response(page, status=400, content_type=HTML_TYPE))
    return framable(conditional_response(rendered, HTML_TYPE))


@bp.get("/embed.js")
@cookieless
def embed_script() -> Response:
    """The snippet's script: inserts the /embed iframe after its own <script> tag and sizes it to the
    height its page reports (accepted only from our own origin, see templates/feeds/embed.js)."""
    parts = urlsplit(current_app.config["BASE_URL"])
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # one script for every visitor
        body = render_template(
            "feeds/embed.js", origin=f"{parts.scheme}://{parts.netloc}", embed_url=absolute_url("feeds.embed"),
            parameters=SNIPPET_PARAMETERS, title=_("INK Events"),
        )
    return Response(body, content_type=SCRIPT_TYPE, headers={"Cache-Control": SCRIPT_CACHE_CONTROL})
