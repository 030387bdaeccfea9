"""Selecting what a feed or the occurrences API shows: a bounded number of queries per call,
whatever the size of the network (filters resolved, one query for occurrence rows, one for the
series with their venue, topics and organisation loaded in bulk)."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ink.core.errors import NotFound, ValidationFailed
from ink.events.models import (
    Audience,
    EventSeries,
    Occurrence,
    OccurrenceStatus,
    SeriesAudience,
    SeriesLanguage,
    Venue,
    coorganiser_accepted_clause,
    series_coorganiser,
    series_topic,
)
from ink.events.service import MAX_ALL_DAY_DAYS
from ink.extensions import db
from ink.feeds.ical import FeedOccurrence
from ink.organisations.models import Organisation, Topic

FILTER_PARAMETERS = ("organisation", "topic", "venue", "language", "audience")
DROP_IN_PARAMETER = "dropin"  # ?dropin=1: only drop-in events
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
    is_drop_in: bool = False  # only drop-in events (no registration needed)
    series_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.organisations or self.topics or self.venues or self.languages or self.audiences
                    or self.is_drop_in or self.series_id)

    def cache_key(self) -> tuple[object, ...]:
        return (tuple(sorted(self.organisations)), tuple(sorted(self.topics)), tuple(sorted(self.venues)),
                tuple(sorted(self.languages)), tuple(sorted(self.audiences)), self.is_drop_in, self.series_id)

    def query_items(self) -> list[tuple[str, str]]:
        """(parameter, value) pairs for a /calendar.ics URL, in a stable order."""
        items: list[tuple[str, str]] = []
        for name, values in zip(FILTER_PARAMETERS, (self.organisations, self.topics, self.venues,
                                                    self.languages, self.audiences)):
            items.extend((name, value) for value in sorted(values))
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
        is_drop_in="1" in drop_in,
        organisations=tuple(value.lower() for value in values["organisation"]),
        topics=tuple(value.lower() for value in values["topic"]),
        venues=tuple(value.lower() for value in values["venue"]),
        languages=languages,
        audiences=audiences,
    )


@dataclass
class ResolvedFilter:
    condition: sa.ColumnElement[bool]
    organisations: list[Organisation] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)


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
    if feed_filter.is_drop_in:
        conditions.append(EventSeries.is_drop_in.is_(True))
    if feed_filter.series_id is not None:
        conditions.append(EventSeries.id == feed_filter.series_id)
    return ResolvedFilter(sa.and_(*conditions), organisations, topics, venues)


def _load_series(ids: set[int]) -> list[EventSeries]:
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(EventSeries).where(EventSeries.id.in_(sorted(ids))).options(
            selectinload(EventSeries.venue), selectinload(EventSeries.topics),
            selectinload(EventSeries.organisation),
        )
    ))


def feed_content(condition: sa.ColumnElement[bool], *, window_start: datetime
                 ) -> tuple[list[EventSeries], dict[int, list[FeedOccurrence]]]:
    """Series matching ``condition`` with occurrence rows ending after ``window_start``, and those rows."""
    rows = db.session.execute(
        sa.select(Occurrence.series_id, Occurrence.original_start_at, Occurrence.start_at, Occurrence.end_at,
                  Occurrence.status, Occurrence.is_moved, Occurrence.venue_id, Occurrence.note,
                  Occurrence.cancel_reason, Occurrence.updated_at)
        .join(EventSeries, EventSeries.id == Occurrence.series_id)
        # The start bound lets the (start_at, end_at) index skip the years before the window:
        # no occurrence lasts longer than MAX_OCCURRENCE_SPAN.
        .where(condition, Occurrence.end_at > window_start,
               Occurrence.start_at > window_start - MAX_OCCURRENCE_SPAN)
    ).all()
    venue_ids = {row.venue_id for row in rows if row.venue_id is not None}
    venues = ({venue.id: venue for venue in db.session.scalars(sa.select(Venue).where(Venue.id.in_(venue_ids)))}
              if venue_ids else {})
    by_series: dict[int, list[FeedOccurrence]] = defaultdict(list)
    for row in rows:
        by_series[row.series_id].append(FeedOccurrence(
            original_start_at=row.original_start_at, start_at=row.start_at, end_at=row.end_at,
            is_cancelled=row.status == OccurrenceStatus.CANCELLED, is_moved=row.is_moved,
            venue=venues.get(row.venue_id) if row.venue_id is not None else None,
            note=row.note or "", cancel_reason=row.cancel_reason or "", updated_at=row.updated_at,
        ))
    return _load_series(set(by_series)), dict(by_series)


def occurrences_in(condition: sa.ColumnElement[bool], start: datetime, end: datetime, *,
                   limit: int | None = None) -> list[Occurrence]:
    """Occurrences (live and cancelled) of matching series overlapping [start, end), soonest first
    (the first ``limit`` of them when given)."""
    query = (
        sa.select(Occurrence)
        .join(Occurrence.series)
        .where(condition, Occurrence.start_at < end, Occurrence.end_at > start,
               Occurrence.start_at > start - MAX_OCCURRENCE_SPAN)
        .options(
            sa.orm.contains_eager(Occurrence.series).selectinload(EventSeries.organisation),
            sa.orm.contains_eager(Occurrence.series).selectinload(EventSeries.venue),
            sa.orm.contains_eager(Occurrence.series).selectinload(EventSeries.audience_rows),
            selectinload(Occurrence.venue_override),
        )
        .order_by(Occurrence.start_at, EventSeries.title, Occurrence.id)
    )
    return list(db.session.scalars(query if limit is None else query.limit(limit)))


def occurrence_series(occurrences: Sequence[Occurrence]) -> list[EventSeries]:
    """The distinct series of ``occurrences``, in the order they first appear."""
    return list({occ.series_id: occ.series for occ in occurrences}.values())


def feed_occurrence(occ: Occurrence) -> FeedOccurrence:
    return FeedOccurrence(
        original_start_at=occ.original_start_at, start_at=occ.start_at, end_at=occ.end_at,
        is_cancelled=occ.status == OccurrenceStatus.CANCELLED, is_moved=occ.is_moved,
        venue=occ.venue_override, note=occ.note or "", cancel_reason=occ.cancel_reason or "",
        updated_at=occ.updated_at,
    )


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """(value, label) pairs for the subscribe form: organisations, topics, languages, audiences in use."""
    visible = sa.select(EventSeries.id).where(EventSeries.public_clause())
    organisations = db.session.execute(
        sa.select(Organisation.slug, Organisation.name).where(Organisation.public_clause(), sa.or_(
            Organisation.id.in_(sa.select(EventSeries.organisation_id).where(EventSeries.id.in_(visible))),
            Organisation.id.in_(sa.select(series_coorganiser.c.organisation_id)
                                .where(series_coorganiser.c.series_id.in_(visible), coorganiser_accepted_clause())),
        )).order_by(Organisation.name)
    ).all()
    topics = db.session.execute(
        sa.select(Topic.slug, Topic.name).where(
            Topic.id.in_(sa.select(series_topic.c.topic_id).where(series_topic.c.series_id.in_(visible)))
        ).order_by(Topic.name)
    ).all()
    languages = db.session.scalars(
        sa.select(SeriesLanguage.code).where(SeriesLanguage.series_id.in_(visible)).distinct()
        .order_by(SeriesLanguage.code)
    ).all()
    audiences = set(db.session.scalars(
        sa.select(SeriesAudience.audience).where(SeriesAudience.series_id.in_(visible)).distinct()
    ))
    return {
        "organisation": [(row.slug, row.name) for row in organisations],
        "topic": [(row.slug, _(row.name)) for row in topics],
        "language": [(code, code) for code in languages],
        "audience": [(audience.value, _(audience.label)) for audience in Audience if audience in audiences],
    }
