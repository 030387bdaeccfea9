"""Places and topics on the residents' site: the venue index and pages, the topic index.

Routes join the public blueprint (``public.venues``, ``public.venue``, ``public.topics``); the topic
page itself is ``public.topic`` in views.py.
"""
from __future__ import annotations

import re

from flask import current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext

from ink.core.errors import NotFound
from ink.core.text import fold_text
from ink.events.models import Venue
from ink.extensions import now
from ink.page_cache import cached_page
from ink.public import queries
from ink.public.views import SLUG, bp, map_url
from ink.urls import absolute_url


def geo_uri(venue: Venue) -> str | None:
    """An RFC 5870 ``geo:`` URI, which phones open in the map app the resident chose; None without coordinates."""
    if not venue.has_geo:
        return None
    return f"geo:{venue.latitude:.5f},{venue.longitude:.5f}"


def _feed_language() -> dict[str, str]:
    """``{"lang": …}`` when the page is read in another language than the default, so the calendar
    the resident subscribes to speaks the page's language (calendar apps send no Accept-Language)."""
    current = str(get_locale())
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    return {"lang": current} if current != default and current in current_app.config["LANGUAGES"] else {}


def venue_feed_links(venue: Venue) -> dict[str, str]:
    """The venue's calendar feed (served by the feeds domain), as the other public pages offer theirs:
    a webcal:// link that opens the calendar app, the plain https:// feed, and the subscribe page."""
    feed_url = absolute_url("feeds.venue_feed", slug=venue.slug, **_feed_language())
    return {
        "feed_url": feed_url,
        "webcal_url": re.sub(r"^https?://", "webcal://", feed_url),
        "subscribe_url": url_for("feeds.subscribe", venue=venue.slug),
    }


@bp.get("/venues/")
@cached_page
def venues() -> ResponseReturnValue:
    return render_template("public/venues.html", listings=queries.venues_with_upcoming_counts(now=now()))


@bp.get("/venues/<slug>")
@cached_page
def venue(slug: str) -> ResponseReturnValue:
    found = queries.venue_by_slug(slug) if SLUG.fullmatch(slug) else None
    if found is None:
        raise NotFound(gettext("No such venue."))
    return render_template(
        "public/venue.html",
        venue=found,
        occurrences=queries.venue_occurrences(found, now=now()),
        map_url=map_url(found),
        geo_uri=geo_uri(found),
        feed=venue_feed_links(found),
    )


@bp.get("/topics/")
@cached_page
def topics() -> ResponseReturnValue:
    listings = sorted(queries.topics_with_upcoming_counts(now=now()),
                      key=lambda listing: fold_text(listing.topic.display_name))
    return render_template("public/topics.html", listings=listings)
