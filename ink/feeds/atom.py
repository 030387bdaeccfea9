"""The Atom 1.0 feed (RFC 4287) of upcoming dates: occurrences in, XML bytes out.

One entry per upcoming occurrence, not per series: a feed reader shows entries as news items, so
"Language café, Tuesday 3 March" appearing as its day comes near is what its reader expects; one
entry per series would keep its id while its next date, title line and text changed every week,
which readers show as an old item silently rewritten (or as the same item unread again). The window
is a fortnight (the programme's default), so a weekly series gives two entries, not a hundred.

An entry's id never changes: a tag: URI (RFC 4151) of the series and the occurrence's original
start (its iCal RECURRENCE-ID), so a moved or cancelled date updates its entry instead of making a
new one. Its ``updated`` is when the event, the date or its venue last changed. The XML is built
with ElementTree (escaping is the serialiser's), never by joining strings.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _

from ink.core.html import html_to_text
from ink.core.time import as_utc
from ink.events.reading import texts_of
from ink.events.models import Occurrence
from ink.feeds.ical import event_url
from ink.i18n import fmt_date, fmt_time, fmt_when
from ink.urls import absolute_url

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
UPCOMING_DAYS = 14  # today and the 13 days after it, as the programme page shows by default
MAX_ENTRIES = 500  # a bound for the busiest fortnight of a large network
GENERATOR = "INK Events"
# Characters XML 1.0 cannot carry at all (not even as references): dropped, not escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class AtomPerson:
    name: str
    uri: str = ""


@dataclass(frozen=True)
class AtomEntry:
    id: str
    title: str
    updated: datetime
    url: str
    author: AtomPerson
    summary: str
    content: str


@dataclass(frozen=True)
class AtomFeed:
    id: str
    title: str
    subtitle: str
    language: str
    self_url: str
    alternate_url: str
    updated: datetime
    author: AtomPerson


def rfc3339(moment: datetime) -> str:
    """An Atom date (RFC 3339, UTC, whole seconds): "2026-06-02T10:00:00Z"."""
    return as_utc(moment).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def tag_uri(base_url: str, minted: datetime, specific: str) -> str:
    """``tag:host,YYYY-MM-DD:specific`` (RFC 4151): the site's host and the day the name was minted."""
    host = urlsplit(base_url).hostname or "localhost"
    return f"tag:{host},{as_utc(minted):%Y-%m-%d}:{specific}"


def occurrence_entry_id(base_url: str, occ: Occurrence) -> str:
    """The entry id of a date: the series and the date's original start, which never change."""
    stamp = as_utc(occ.original_start_at).strftime("%Y%m%dT%H%M%SZ")
    return tag_uri(base_url, occ.series.created_at, f"events/{occ.series_id}/{stamp}")


def _last_change(occ: Occurrence) -> datetime:
    """When what the entry shows last changed: the series, this date, or the venue it is at."""
    moments = [occ.series.updated_at, occ.updated_at, occ.venue.updated_at if occ.venue else None]
    return max(as_utc(moment) for moment in moments if moment is not None)


def _place(occ: Occurrence) -> str:
    venue = occ.venue
    if venue is None:
        return ""
    return ", ".join(part for part in (venue.name, venue.address) if part)


def _details(occ: Occurrence) -> list[str]:
    """What a reader should know about this date beyond its time and place, in the current language."""
    series = occ.series
    lines = []
    if occ.is_cancelled:
        reason = occ.cancel_reason or series.cancel_reason
        lines.append(_("This date is cancelled: %(reason)s", reason=reason) if reason
                     else _("This date is cancelled."))
    if occ.is_moved:
        lines.append(_("Moved from %(date)s at %(time)s", date=fmt_date(occ.original_start_at, "day"),
                       time=fmt_time(occ.original_start_at)))
    if occ.note:
        lines.append(occ.note)
    return lines


def occurrence_entry(occ: Occurrence, *, base_url: str) -> AtomEntry:
    """One date as an entry, its words in the current language (call inside ``force_locale``)."""
    series = occ.series
    texts = texts_of(series)  # the version in the feed's language (forced locale), else the original
    title = " ".join(texts["title"].split())
    if occ.is_cancelled:
        title = _("Cancelled: %(title)s", title=title)
    when = fmt_when(occ.start_at, occ.end_at, series.is_all_day, "full")
    summary = " · ".join(part for part in (when, _place(occ)) if part)
    content = "\n\n".join(part for part in (summary, *_details(occ), html_to_text(texts["description_html"]),
                                            _("Organised by %(name)s", name=series.organisation.name)) if part)
    author = AtomPerson(series.organisation.name,
                        absolute_url("public.organisation", slug=series.organisation.slug))
    return AtomEntry(id=occurrence_entry_id(base_url, occ), title=title, updated=_last_change(occ),
                     url=event_url(base_url, series.id), author=author, summary=summary, content=content)


def occurrence_entries(occurrences: Iterable[Occurrence], *, base_url: str) -> list[AtomEntry]:
    """The entries of ``occurrences`` (soonest first), at most MAX_ENTRIES."""
    return [occurrence_entry(occ, base_url=base_url) for occ, _index in zip(occurrences, range(MAX_ENTRIES))]


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: _xml_text(value) for key, value in attributes.items()})
    if text is not None:
        element.text = _xml_text(text)
    return element


def _person(parent: ET.Element, tag: str, person: AtomPerson) -> None:
    element = _add(parent, tag)
    _add(element, "name", person.name)
    if person.uri:
        _add(element, "uri", person.uri)


def build_feed(feed: AtomFeed, entries: Sequence[AtomEntry]) -> bytes:
    """The feed document. Depends only on its arguments: unchanged data gives identical bytes."""
    # Unprefixed names in the Atom namespace, declared once on the root (ElementTree's own
    # namespace handling would prefix every element, or refuse the unqualified attributes).
    root = ET.Element("feed", {"xmlns": ATOM_NS, XML_LANG: feed.language})
    _add(root, "id", feed.id)
    _add(root, "title", feed.title, type="text")
    if feed.subtitle:
        _add(root, "subtitle", feed.subtitle, type="text")
    _add(root, "updated", rfc3339(feed.updated))
    _add(root, "link", rel="self", type="application/atom+xml", href=feed.self_url)
    _add(root, "link", rel="alternate", type="text/html", href=feed.alternate_url)
    _person(root, "author", feed.author)
    _add(root, "generator", GENERATOR)
    for entry in entries:
        element = _add(root, "entry")
        _add(element, "id", entry.id)
        _add(element, "title", entry.title, type="text")
        _add(element, "updated", rfc3339(entry.updated))
        _add(element, "link", rel="alternate", type="text/html", href=entry.url)
        _person(element, "author", entry.author)
        _add(element, "summary", entry.summary, type="text")
        _add(element, "content", entry.content, type="text")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body
