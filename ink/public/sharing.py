"""What an event page tells link previews and search engines: share links and schema.org ``Event`` data.

Preview bots (WhatsApp, Facebook, Signal, Slack) and search engines read only the server-rendered
HTML, so everything here ends up in the page itself: Open Graph tags, share links, and JSON-LD with one
``Event`` per upcoming date (Google shows dates, not rules; cancelled dates stay listed as cancelled).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from babel import Locale
from babel.core import get_global
from flask import current_app
from flask_babel import gettext
from markupsafe import Markup

from ink.core.html import html_to_text
from ink.core.time import in_zone, local_date
from ink.i18n import fmt_when
from ink.events.models import EventSeries, Occurrence, Venue
from ink.organisations.models import Organisation
from ink.urls import absolute_url

SCHEMA_ORG = "https://schema.org"
# How many dates of a series the JSON-LD lists (search engines show the next few, not a year's worth).
STRUCTURED_DATES = 10
# The last part of an address such as "Sølvberggata 2, 4006 Stavanger": a postcode, then the town.
POSTCODE_AND_TOWN = re.compile(r"(?P<postcode>[0-9]{3,5}(?:[ -][0-9]{2,3})?)\s+(?P<town>\S.*)")
CRLF, LF = "\r\n", "\n"
# A search result shows about this much of a page's description.
META_DESCRIPTION_LENGTH = 200
# Inside <script>, "</script>" or "<!--" in a title would end or change the element; JSON allows these
# escapes for any character, so json.loads gives back the same text.
_SCRIPT_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


@dataclass(frozen=True)
class ShareImage:
    """A picture for link previews and JSON-LD. ``url`` is absolute and changes when the picture does
    (Facebook and WhatsApp cache a preview for days)."""

    url: str
    alt: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class ShareLinks:
    """Plain links that share a page: nothing is loaded from those sites until one is followed."""

    email: str
    whatsapp: str
    facebook: str


def event_image(series: EventSeries) -> ShareImage | None:
    """The event's picture for previews (og:image, twitter:card summary_large_image, the JSON-LD
    ``image``), or None when it has none: its largest rendition (1600 pixels wide when the upload was
    that large, so at least the 1200×630 that Facebook and X show large), with its alt text."""
    picture = series.picture
    if picture is None:
        return None
    width = picture.largest_width
    return ShareImage(url=absolute_url("pictures.picture_file", picture_name=picture.file_name(width)),
                      alt=picture.alt_text, width=width, height=picture.height_at(width))


def event_url(series: EventSeries) -> str:
    """The canonical, absolute address of an event page (from BASE_URL, never the request's Host)."""
    return absolute_url("public.event", series_id=series.id)


def preview_text(series: EventSeries, next_date: Occurrence | None) -> str:
    """og:description: the next date in words and the place ("Tuesday 2 June 2026, 17:00–19:00 ·
    Sølvberget, Sølvberggata 2, 4006 Stavanger"), or that the event is cancelled or over."""
    if next_date is None:
        return str(gettext("This event is cancelled.") if series.is_cancelled else gettext("No upcoming dates."))
    when = fmt_when(next_date.start_at, next_date.end_at, series.is_all_day, "full")
    venue = next_date.venue
    if venue is None:
        return when
    place = f"{venue.name}, {venue.address}" if venue.address else venue.name
    return f"{when} · {place}"


def meta_description(series: EventSeries, preview: str, description_html: str | None = None) -> str:
    """The search snippet: the preview text, then the start of the event's description (``description_html``:
    the reader's version of it, when given)."""
    description = " ".join(html_to_text(series.description_html if description_html is None
                                        else description_html).split())
    if not description:
        return preview
    text = f"{preview} — {description}"
    if len(text) <= META_DESCRIPTION_LENGTH:
        return text
    return text[:META_DESCRIPTION_LENGTH].rsplit(" ", 1)[0] + "…"


def share_links(url: str, title: str, text: str) -> ShareLinks:
    """Email, WhatsApp and Facebook links for ``url``; every value percent-encoded (RFC 6068 for
    mailto: spaces are %20, never +)."""
    lines = [title, text, url] if text else [title, url]
    return ShareLinks(
        # RFC 6068: line breaks in a mailto body are CRLF.
        email=f"mailto:?subject={_encode(title)}&body={_encode(CRLF.join(lines))}",
        whatsapp=f"https://wa.me/?text={_encode(LF.join(lines))}",
        facebook=f"https://www.facebook.com/sharer/sharer.php?u={_encode(url)}",
    )


def _encode(value: str) -> str:
    return quote(value, safe="")


def og_locale(locale: Locale) -> str:
    """Open Graph's language_TERRITORY ("en_GB", "nb_NO"), the territory guessed from CLDR when the
    locale names none."""
    if locale.territory:
        return f"{locale.language}_{locale.territory}"
    likely = get_global("likely_subtags").get(locale.language)
    territory = Locale.parse(likely).territory if likely else None
    return f"{locale.language}_{territory}" if territory else locale.language


def script_json(data: Any) -> Markup:
    """``data`` as JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` remains."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for character, escape in _SCRIPT_SAFE.items():
        text = text.replace(character, escape)
    return Markup(text)


def event_structured_data(series: EventSeries, occurrences: list[Occurrence],
                          image: ShareImage | None = None) -> list[dict[str, Any]]:
    """One schema.org ``Event`` per date in ``occurrences`` (the next ones, cancelled included), at most
    STRUCTURED_DATES; an empty list when none is coming."""
    common = _common_fields(series, image)
    return [{**common, **_date_fields(series, occ)} for occ in occurrences[:STRUCTURED_DATES]]


def _common_fields(series: EventSeries, image: ShareImage | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "Event",
        "name": series.title,
        "url": event_url(series),
        # The model knows no online events: every event takes place somewhere.
        "eventAttendanceMode": f"{SCHEMA_ORG}/OfflineEventAttendanceMode",
        "organizer": [_organization(organisation) for organisation in series.organisations
                      if organisation.is_public],
    }
    description = html_to_text(series.description_html)
    if description:
        fields["description"] = description
    if image is not None:
        fields["image"] = [image.url]
    return fields


def _organization(organisation: Organisation) -> dict[str, Any]:
    found: dict[str, Any] = {
        "@type": "Organization",
        "name": organisation.name,
        "url": absolute_url("public.organisation", slug=organisation.slug),
    }
    if organisation.website:
        found["sameAs"] = organisation.website
    return found


def _date_fields(series: EventSeries, occ: Occurrence) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "startDate": _instant(series, occ.start_at),
        "endDate": _end(series, occ.end_at),
        "eventStatus": f"{SCHEMA_ORG}/{_status(occ)}",
    }
    if occ.is_moved and not occ.is_cancelled:
        fields["previousStartDate"] = _instant(series, occ.original_start_at)
    if occ.venue is not None:
        fields["location"] = _place(occ.venue)
    return fields


def _status(occ: Occurrence) -> str:
    if occ.is_cancelled:
        return "EventCancelled"
    if occ.is_moved:
        return "EventRescheduled"
    return "EventScheduled"


def _instant(series: EventSeries, moment: datetime) -> str:
    """ISO 8601 with the offset of the series' zone ("2026-06-02T17:00:00+02:00"); a date for all-day events."""
    if series.is_all_day:
        return local_date(moment, series.timezone).isoformat()
    return in_zone(moment, series.timezone).isoformat()


def _end(series: EventSeries, moment: datetime) -> str:
    if series.is_all_day:
        # It ends at the local midnight after its last day; schema.org's endDate is that last day.
        return (local_date(moment, series.timezone) - timedelta(days=1)).isoformat()
    return _instant(series, moment)


def _place(venue: Venue) -> dict[str, Any]:
    place: dict[str, Any] = {"@type": "Place", "name": venue.name, "address": postal_address(venue.address)}
    if venue.has_geo:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": venue.latitude, "longitude": venue.longitude}
    return place


def postal_address(address: str) -> dict[str, str]:
    """A venue's one-line address as a schema.org ``PostalAddress``: "Sølvberggata 2, 4006 Stavanger"
    gives street, postcode and town; what cannot be told apart stays the street address. The country
    is the network's (NETWORK_COUNTRY)."""
    parts = [part.strip() for part in (address or "").split(",") if part.strip()]
    found: dict[str, str] = {"@type": "PostalAddress"}
    # Only after a comma: on its own, "123 Main Street" is a street, not a postcode and a town.
    last = POSTCODE_AND_TOWN.fullmatch(parts[-1]) if len(parts) > 1 else None
    if last:
        found["postalCode"], found["addressLocality"] = last["postcode"], last["town"]
        parts = parts[:-1]
    if parts:
        found["streetAddress"] = ", ".join(parts)
    country = str(current_app.config["NETWORK_COUNTRY"] or "")
    if country:
        found["addressCountry"] = country
    return found
