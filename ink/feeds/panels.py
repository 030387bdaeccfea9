"""Subscribe / add-to-calendar panels on the public event, organisation and programme pages, and the
widget's snippet on an organisation's profile in /manage."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ink.events.models import EventSeries, Occurrence
from ink.events.service import upcoming_occurrences
from ink.feeds.embed import iframe_snippet, script_snippet
from ink.events.filters import FeedFilter
from ink.feeds.views import atom_url, feed_url, language_query, webcal
from ink.organisations.models import Organisation, Topic
from ink.panels import register_panel
from ink.urls import absolute_url

UPCOMING_DATES = 5


def _links(endpoint: str, **values: Any) -> dict[str, str]:
    language = language_query()
    url = absolute_url(endpoint, **values) + (f"?lang={language['lang']}" if language else "")
    return {"feed_url": url, "webcal_url": webcal(url)}


def event_panel(user: Any, series: EventSeries, now: datetime) -> dict[str, Any] | None:
    if series is None or not series.is_public:
        return None
    dates = [
        (occ, url_for("feeds.occurrence_download", series_id=series.id, occurrence_id=occ.id))
        for occ in upcoming_occurrences(series, now=now, limit=UPCOMING_DATES)
        if not occ.is_cancelled
    ]
    return {"series": series, "dates": dates, **_links("feeds.series_feed", series_id=series.id)}


def next_date_actions(user: Any, occ: Occurrence, now: datetime) -> dict[str, Any] | None:
    """"Add to calendar" beside the next date at the top of the event page: that date's file, and
    the series' feed when there are more dates."""
    if occ is None or not occ.series.is_public:
        return None
    return {
        "download_url": url_for("feeds.occurrence_download", series_id=occ.series_id, occurrence_id=occ.id),
        "is_recurring": bool(occ.series.rrule),
        **_links("feeds.series_feed", series_id=occ.series_id),
    }


def organisation_panel(user: Any, organisation: Organisation, now: datetime) -> dict[str, Any] | None:
    if organisation is None or not organisation.is_public:
        return None
    return {
        "organisation": organisation,
        "subscribe_url": url_for("feeds.subscribe", organisation=organisation.slug),
        **_links("feeds.organisation_feed", slug=organisation.slug),
    }


def topic_panel(user: Any, topic: Topic, now: datetime) -> dict[str, Any] | None:
    return {
        "topic": topic,
        "subscribe_url": url_for("feeds.subscribe", topic=topic.slug),
        **_links("feeds.topic_feed", slug=topic.slug),
    }


def _programme_filter(obj: Any) -> FeedFilter:
    """The programme page passes its active filter (None: the whole programme)."""
    return obj if isinstance(obj, FeedFilter) else FeedFilter()


def programme_panel(user: Any, obj: Any, now: datetime) -> dict[str, Any] | None:
    """Subscribe to the programme as it is filtered: the same parameters on the subscribe page, the
    calendar feed and the Atom feed, so each gives the events the page lists."""
    feed_filter = _programme_filter(obj)
    url = feed_url(feed_filter)
    query = urlencode(feed_filter.query_items())
    return {"subscribe_url": url_for("feeds.subscribe") + (f"?{query}" if query else ""),
            "atom_url": atom_url(feed_filter), "feed_url": url, "webcal_url": webcal(url),
            "is_filtered": not feed_filter.is_empty}


def programme_head(user: Any, obj: Any, now: datetime) -> dict[str, Any] | None:
    """The programme's Atom feed announced in the page's head, for feed readers to find: the feed of
    the filter the page shows."""
    return {"atom_path": atom_url(_programme_filter(obj), absolute=False)}


def organisation_embed_panel(user: Any, organisation: Organisation, now: datetime) -> dict[str, Any] | None:
    """The widget's snippets for the organisation's website, and a preview (the iframe itself), on its
    profile in /manage (whoever may edit the profile sees them)."""
    if organisation is None:
        return None
    return {
        "organisation": organisation,
        "script_snippet": script_snippet(organisation.slug),
        "iframe_snippet": iframe_snippet(organisation.slug, _("Events of %(name)s", name=organisation.name)),
        "preview_url": url_for("feeds.embed", organisation=organisation.slug, lang=str(get_locale())),
    }


def nav_item(_user: Any, _obj: Any, _now: datetime) -> dict[str, Any]:
    return {}


def register_panels(app: Flask) -> None:
    register_panel(app, "nav", "feeds/_nav_item.html", nav_item)
    register_panel(app, "public_event", "feeds/_event_panel.html", event_panel)
    register_panel(app, "public_event_next", "feeds/_next_date_actions.html", next_date_actions)
    register_panel(app, "public_organisation", "feeds/_organisation_panel.html", organisation_panel)
    register_panel(app, "public_topic", "feeds/_topic_panel.html", topic_panel)
    register_panel(app, "public_programme", "feeds/_programme_panel.html", programme_panel)
    register_panel(app, "public_programme_head", "feeds/_atom_link.html", programme_head)
    register_panel(app, "organisation_manage", "feeds/_embed_panel.html", organisation_embed_panel)
