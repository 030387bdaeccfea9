"""The programme's filter as a resident sees it: the choices of its form, the active values as
removable chips, and links that keep the filter (paging) or drop one value (chips, suggestions).

The semantics (what a parameter means, which events match) are ink.events.filters', shared with the
calendar feeds and the API; this module only presents them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import url_for
from flask_babel import gettext, ngettext

from ink.events.filters import FeedFilter, ResolvedFilter
from ink.events.models import Audience

Query = list[tuple[str, str]]


@dataclass(frozen=True)
class Chip:
    """One active filter value: what it is, and the programme's URL without it."""

    kind: str  # the parameter's name, translated ("Topic")
    label: str
    remove_url: str


def programme_url(feed_filter: FeedFilter, *, start: date | None = None, days: int | None = None,
                  view: str | None = None) -> str:
    """The programme with ``feed_filter`` (its parameters in the feeds' order), the window and the view
    (``week``/``month``; the list, the default, is left out), if given. Feed links never carry ``view``."""
    query: Query = feed_filter.query_items()
    if view and view != "list":
        query.append(("view", view))
    if start is not None:
        query.append(("start", start.isoformat()))
    if days is not None:
        query.append(("days", str(days)))
    return url_for("public.programme") + (f"?{urlencode(query)}" if query else "")


def _without(feed_filter: FeedFilter, name: str, value: object) -> FeedFilter:
    if name == "dropin":
        return replace(feed_filter, is_drop_in=False)
    if name == "query":
        return replace(feed_filter, query="")
    current: Sequence[object] = getattr(feed_filter, name)
    changes: dict[str, Any] = {name: tuple(item for item in current if item != value)}
    return replace(feed_filter, **changes)


def chips(feed_filter: FeedFilter, resolved: ResolvedFilter, *, language_name: Callable[[str], str],
          start: date | None, days: int | None, view: str | None = None) -> list[Chip]:
    """The active values, each with the link that removes it (the window and the view stay as they are)."""
    def chip(kind: str, label: str, name: str, value: object) -> Chip:
        return Chip(kind, label, programme_url(_without(feed_filter, name, value), start=start, days=days,
                                               view=view))

    found = [chip(gettext("Search"), feed_filter.query, "query", feed_filter.query)] if feed_filter.query else []
    found += [chip(gettext("Organisation"), organisation.name, "organisations", organisation.slug)
              for organisation in resolved.organisations]
    found += [chip(gettext("Topic"), topic.display_name, "topics", topic.slug) for topic in resolved.topics]
    found += [chip(gettext("Venue"), venue.name, "venues", venue.slug) for venue in resolved.venues]
    found += [chip(gettext("Language"), language_name(code), "languages", code) for code in feed_filter.languages]
    found += [chip(gettext("Audience"), gettext(audience.label), "audiences", audience.value)
              for audience in Audience if audience.value in feed_filter.audiences]
    found += [chip(gettext("Age"), ngettext("%(num)d year", "%(num)d years", age), "ages", age)
              for age in feed_filter.ages]
    if feed_filter.is_drop_in:
        found.append(chip(gettext("How to join"), gettext("Drop-in"), "dropin", True))
    return found
