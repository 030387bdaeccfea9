"""The one filter of the programme, the calendar feeds, the Atom feed and the occurrences API.

``?q=…&topic=…&organisation=…&venue=…&language=…&audience=…&age=…&dropin=1``: values of one parameter are
alternatives (OR), parameters combine (AND); ``q`` is free text, every word of which must match (as a
prefix) the series' title, description, organisations, venue or topics (ink.events.search). ``parse_filter`` reads and checks the parameters,
``resolve_filter`` turns them into one SQL condition on EventSeries (public series only, by the
one-home rule ``EventSeries.public_clause``). It lives here, below both the public site and the feeds,
so that every surface answers the same question the same way.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from ink.core.errors import NotFound, ValidationFailed
from ink.core.text import fold_text
from ink.events.models import (
    Audience,
    EventSeries,
    Occurrence,
    SeriesAudience,
    SeriesLanguage,
    Venue,
    coorganiser_accepted_clause,
    series_coorganiser,
    series_topic,
)
from ink.events.search import matching_ids, query_words
from ink.events.service import MAX_ALL_DAY_DAYS
from ink.extensions import db
from ink.i18n import language_in_locale
from ink.organisations.models import Organisation, Topic

FILTER_PARAMETERS = ("organisation", "topic", "venue", "language", "audience")
DROP_IN_PARAMETER = "dropin"  # ?dropin=1: only drop-in events
QUERY_PARAMETER = "q"  # ?q=kite festival: free-text search
MAX_QUERY_LENGTH = 200
AGE_PARAMETER = "age"  # ?age=7: events whose age range includes 7, and events for all ages
MAX_AGE = 120  # as the series form allows
_LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
SLUG = re.compile(r"^[a-z0-9-]{1,80}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # PostgreSQL refuses NUL in text; none belongs in a filter
MAX_FILTER_VALUES = 50
AUDIENCE_VALUES = frozenset(audience.value for audience in Audience)
# Longest possible occurrence (ink.events.service: 31 all-day days; a moved one is capped alike).
MAX_OCCURRENCE_SPAN = timedelta(days=MAX_ALL_DAY_DAYS + 1)


@dataclass(frozen=True)
class FeedFilter:
    """Values within one parameter are alternatives (OR); parameters combine with AND."""

    organisations: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    venues: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    ages: tuple[int, ...] = ()
    is_drop_in: bool = False  # only drop-in events (no registration needed)
    series_id: int | None = None
    query: str = ""  # free text (?q=), stripped; its words: ink.events.search.query_words

    @property
    def is_empty(self) -> bool:
        return not (self.query or self.organisations or self.topics or self.venues or self.languages or self.audiences
                    or self.ages or self.is_drop_in or self.series_id)

    def cache_key(self) -> tuple[object, ...]:
        return (tuple(sorted(self.organisations)), tuple(sorted(self.topics)), tuple(sorted(self.venues)),
                tuple(sorted(self.languages)), tuple(sorted(self.audiences)), tuple(sorted(self.ages)), self.is_drop_in,
                self.series_id, self.query)

    def query_items(self) -> list[tuple[str, str]]:
        """(parameter, value) pairs for a URL of the programme, a feed or the API, in a stable order."""
        items: list[tuple[str, str]] = [(QUERY_PARAMETER, self.query)] if self.query else []
        for name, values in zip(FILTER_PARAMETERS, (self.organisations, self.topics, self.venues,
                                                    self.languages, self.audiences)):
            items.extend((name, value) for value in sorted(values))
        items.extend((AGE_PARAMETER, str(age)) for age in sorted(self.ages))
        if self.is_drop_in:
            items.append((DROP_IN_PARAMETER, "1"))
        return items


def parse_filter(args: Mapping[str, Sequence[str]] | object) -> FeedFilter:
    """Read repeatable filter parameters (a MultiDict); format errors raise ValidationFailed naming them."""
    getlist = getattr(args, "getlist")
    values: dict[str, tuple[str, ...]] = {}
    for name in FILTER_PARAMETERS:
        raw = [value.strip() for value in getlist(name)]
        cleaned = tuple(dict.fromkeys(value for value in raw if value))
        if len(cleaned) > MAX_FILTER_VALUES:
            raise ValidationFailed(_("Too many values for %(name)s (at most %(count)s).", name=name,
                                     count=MAX_FILTER_VALUES), name)
        if any(len(value) > 200 for value in cleaned):
            raise ValidationFailed(_("A value for %(name)s is too long.", name=name), name)
        if any(_CONTROL.search(value) for value in cleaned):
            raise ValidationFailed(_("A value for %(name)s contains invalid characters.", name=name), name)
        values[name] = cleaned
    languages = tuple(code.lower() for code in values["language"])
    for code in languages:
        if not _LANGUAGE_CODE.match(code):
            raise ValidationFailed(_("Unknown language code “%(code)s” for language.", code=code), "language")
    audiences = tuple(value.lower() for value in values["audience"])
    unknown = sorted(value for value in audiences if value not in AUDIENCE_VALUES)
    if unknown:
        raise ValidationFailed(_("Unknown %(parameter)s: %(values)s.", parameter="audience",
                                 values=", ".join(unknown)), "audience")
    drop_in = [value.strip() for value in getlist(DROP_IN_PARAMETER)]
    if any(value not in ("1", "") for value in drop_in):
        raise ValidationFailed(_("Parameter dropin must be 1 (or left out)."), DROP_IN_PARAMETER)
    return FeedFilter(
        query=_parse_query(getlist(QUERY_PARAMETER)),
        is_drop_in="1" in drop_in,
        ages=_parse_ages(getlist(AGE_PARAMETER)),
        organisations=tuple(value.lower() for value in values["organisation"]),
        topics=tuple(value.lower() for value in values["topic"]),
        venues=tuple(value.lower() for value in values["venue"]),
        languages=languages,
        audiences=audiences,
    )


def _parse_query(raw: Sequence[str]) -> str:
    """The free text of ?q= (the first non-empty one), stripped; too long or control characters: 400."""
    text = next((value.strip() for value in raw if value.strip()), "")
    if len(text) > MAX_QUERY_LENGTH:
        raise ValidationFailed(ngettext("The search text is too long (at most %(count)s character).",
                                        "The search text is too long (at most %(count)s characters).",
                                        MAX_QUERY_LENGTH, count=MAX_QUERY_LENGTH), QUERY_PARAMETER)
    if _CONTROL.search(text):
        raise ValidationFailed(_("The search text contains invalid characters."), QUERY_PARAMETER)
    return text


def _parse_ages(raw: Sequence[str]) -> tuple[int, ...]:
    cleaned = list(dict.fromkeys(value.strip() for value in raw if value.strip()))
    if len(cleaned) > MAX_FILTER_VALUES:
        raise ValidationFailed(_("Too many values for %(name)s (at most %(count)s).", name=AGE_PARAMETER,
                                 count=MAX_FILTER_VALUES), AGE_PARAMETER)
    if any(len(value) > 3 or not value.isascii() or not value.isdigit() or int(value) > MAX_AGE for value in cleaned):
        raise ValidationFailed(_("Parameter age must be a whole number from 0 to %(max)s.", max=MAX_AGE),
                               AGE_PARAMETER)
    return tuple(dict.fromkeys(int(value) for value in cleaned))


def _age_clause(age: int) -> sa.ColumnElement[bool]:
    """The series' age range includes ``age``; a missing bound is open, so an event for all ages
    (neither bound) matches every age."""
    return sa.and_(sa.or_(EventSeries.age_min.is_(None), EventSeries.age_min <= age),
                   sa.or_(EventSeries.age_max.is_(None), EventSeries.age_max >= age))


@dataclass
class ResolvedFilter:
    condition: sa.ColumnElement[bool]
    organisations: list[Organisation] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)
    search_words: tuple[str, ...] = ()  # the words of ?q= (ink.events.search ranks by them)


def _resolve(model: type[Any], slugs: tuple[str, ...], parameter: str, *, missing: str) -> list[Any]:
    if not slugs:
        return []
    malformed = sorted(slug for slug in slugs if not SLUG.match(slug))
    if malformed:  # cannot exist: answered without asking the database
        if missing == "404":
            raise NotFound(_("We could not find that calendar."))
        raise ValidationFailed(_("Unknown %(parameter)s: %(values)s.", parameter=parameter,
                                 values=", ".join(malformed)), parameter)
    query = sa.select(model).where(model.slug.in_(slugs)).order_by(model.slug)
    if model is Organisation:  # as on the public site, only active organisations are shown
        query = query.where(Organisation.public_clause())
    rows = list(db.session.scalars(query))
    unknown = sorted(set(slugs) - {row.slug for row in rows})
    if unknown:
        if missing == "404":
            raise NotFound(_("We could not find that calendar."))
        raise ValidationFailed(_("Unknown %(parameter)s: %(values)s.", parameter=parameter,
                                 values=", ".join(unknown)), parameter)
    return rows


def resolve_filter(feed_filter: FeedFilter, *, missing: str = "400", per_occurrence: bool = False) -> ResolvedFilter:
    """The SQL condition on EventSeries for ``feed_filter``. Unknown slugs raise ValidationFailed
    (query parameters, 400) or NotFound (``missing="404"``, for path feeds).

    ``venue`` is a series-level test for feeds (a feed carries whole series: the series' own venue
    decides, and a date moved elsewhere stays in as an override with its new LOCATION). With
    ``per_occurrence`` (the occurrences API, whose query joins Occurrence) it tests each date's
    effective venue, so a date moved to or away from the venue is listed where it takes place."""
    conditions: list[sa.ColumnElement[bool]] = [EventSeries.public_clause()]
    organisations = _resolve(Organisation, feed_filter.organisations, "organisation", missing=missing)
    topics = _resolve(Topic, feed_filter.topics, "topic", missing=missing)
    venues = _resolve(Venue, feed_filter.venues, "venue", missing=missing)
    if organisations:
        ids = [organisation.id for organisation in organisations]
        conditions.append(sa.or_(
            EventSeries.organisation_id.in_(ids),
            EventSeries.id.in_(sa.select(series_coorganiser.c.series_id)
                               .where(series_coorganiser.c.organisation_id.in_(ids), coorganiser_accepted_clause())),
        ))
    if topics:
        conditions.append(EventSeries.id.in_(
            sa.select(series_topic.c.series_id).where(series_topic.c.topic_id.in_([t.id for t in topics]))))
    if venues:
        venue_ids = [venue.id for venue in venues]
        if per_occurrence:
            conditions.append(sa.func.coalesce(Occurrence.venue_id, EventSeries.venue_id).in_(venue_ids))
        else:
            conditions.append(EventSeries.venue_id.in_(venue_ids))
    if feed_filter.languages:
        conditions.append(EventSeries.id.in_(
            sa.select(SeriesLanguage.series_id).where(sa.func.lower(SeriesLanguage.code).in_(feed_filter.languages))))
    if feed_filter.audiences:
        conditions.append(EventSeries.id.in_(
            sa.select(SeriesAudience.series_id).where(SeriesAudience.audience.in_(feed_filter.audiences))))
    if feed_filter.ages:
        conditions.append(sa.or_(*(_age_clause(age) for age in feed_filter.ages)))
    if feed_filter.is_drop_in:
        conditions.append(EventSeries.is_drop_in.is_(True))
    if feed_filter.series_id is not None:
        conditions.append(EventSeries.id == feed_filter.series_id)
    words = query_words(feed_filter.query)
    if feed_filter.query:  # a query without a single word (only punctuation) matches nothing
        conditions.append(EventSeries.id.in_(matching_ids(words)) if words else sa.false())
    return ResolvedFilter(sa.and_(*conditions), organisations, topics, venues, words)


def overlapping(start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    """Occurrences overlapping [start, end). The start bound lets the (start_at, end_at) index skip
    the years before the window: no occurrence lasts longer than MAX_OCCURRENCE_SPAN."""
    return sa.and_(Occurrence.start_at < end, Occurrence.end_at > start,
                   Occurrence.start_at > start - MAX_OCCURRENCE_SPAN)


def filter_choices(now: datetime) -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs for filter forms (the programme, the subscribe page), in one query: the
    organisations, topics, venues, languages and audiences of public series with a date that has not
    ended by ``now`` (a choice that can only find the past is no choice; it also keeps the query to the
    horizon's rows instead of ten years of history). Languages are labelled with their code (pages show
    the name in the reader's language)."""
    current = (sa.select(Occurrence.series_id).join(EventSeries, EventSeries.id == Occurrence.series_id)
               .where(Occurrence.end_at >= now, Occurrence.start_at > now - MAX_OCCURRENCE_SPAN,  # the index's bound
                      EventSeries.public_clause()).distinct().cte("current_series"))
    visible = sa.select(current.c.series_id)
    parts = [
        sa.select(sa.literal("organisation").label("kind"), Organisation.slug.label("value"),
                  Organisation.name.label("label"))
        .where(Organisation.public_clause(), sa.or_(
            Organisation.id.in_(sa.select(EventSeries.organisation_id).where(EventSeries.id.in_(visible))),
            Organisation.id.in_(sa.select(series_coorganiser.c.organisation_id)
                                .where(series_coorganiser.c.series_id.in_(visible), coorganiser_accepted_clause())),
        )),
        sa.select(sa.literal("topic"), Topic.slug, Topic.name).where(
            Topic.id.in_(sa.select(series_topic.c.topic_id).where(series_topic.c.series_id.in_(visible)))),
        sa.select(sa.literal("venue"), Venue.slug, Venue.name).where(
            Venue.id.in_(sa.select(EventSeries.venue_id).where(EventSeries.id.in_(visible)))),
        sa.select(sa.literal("language"), SeriesLanguage.code, SeriesLanguage.code)
        .where(SeriesLanguage.series_id.in_(visible)).distinct(),
        sa.select(sa.literal("audience"), sa.cast(SeriesAudience.audience, sa.String), sa.literal(""))
        .where(SeriesAudience.series_id.in_(visible)).distinct(),
    ]
    rows = db.session.execute(sa.union_all(*parts)).all()
    found: dict[str, dict[str, str]] = {name: {} for name in ("organisation", "topic", "venue", "language")}
    audiences: set[str] = set()
    for row_kind, value, label in rows:
        if row_kind == "audience":
            audiences.add(value)
        else:
            found[row_kind][value] = _(label) if row_kind == "topic" else label  # topics are translated
    # Alphabetical in the reader's language, accents aside ("árabe" before "inglés"); languages by
    # the name the page shows, not by their code.
    choices = {name: sorted(pairs.items(), key=lambda pair: (fold_text(pair[1]), pair[0]))
               for name, pairs in found.items()}
    choices["language"] = sorted(found["language"].items(),
                                  key=lambda pair: (fold_text(language_in_locale(pair[0])), pair[0]))
    choices["audience"] = [(audience.value, _(audience.label)) for audience in Audience if audience.value in audiences]
    return choices
