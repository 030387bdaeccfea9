"""Read-only queries behind the residents' site: each page needs one query for its occurrences."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ink.events.filters import overlapping
from ink.events.search import ranked_matches
from ink.events.models import (
    EventSeries,
    Occurrence,
    Venue,
    coorganiser_accepted_clause,
    series_coorganiser,
    series_topic,
)
from ink.extensions import db
from ink.organisations.models import (
    Organisation,
    OrganisationLanguage,
    Topic,
    organisation_topic,
)


def _occurrence_query() -> sa.Select[tuple[Occurrence]]:
    """Occurrences of public series, with series, organiser and venues loaded in the same query."""
    return (
        sa.select(Occurrence)
        .join(Occurrence.series)
        .where(EventSeries.public_clause())
        .options(
            contains_eager(Occurrence.series).joinedload(EventSeries.organisation),
            contains_eager(Occurrence.series).joinedload(EventSeries.venue),
            contains_eager(Occurrence.series).joinedload(EventSeries.picture),
            contains_eager(Occurrence.series).selectinload(EventSeries.language_rows),
            contains_eager(Occurrence.series).selectinload(EventSeries.text_versions),
            contains_eager(Occurrence.series).selectinload(EventSeries.topics),
            joinedload(Occurrence.venue_override),
        )
        .order_by(Occurrence.start_at, EventSeries.title, Occurrence.id)
    )


def programme_occurrences(condition: sa.ColumnElement[bool], start: datetime, end: datetime) -> list[Occurrence]:
    """Public occurrences overlapping [start, end) (live and cancelled) of series matching ``condition``
    (a resolved ink.events.filters filter, as the feeds and the API apply it), soonest first."""
    query = _occurrence_query().where(condition, overlapping(start, end))
    return list(db.session.scalars(query))


def search_occurrences(condition: sa.ColumnElement[bool], words: Sequence[str], start: datetime, end: datetime,
                       *, limit: int) -> list[Occurrence]:
    """One occurrence per series matching ``condition`` and the search ``words``: its first date
    overlapping [start, end), best match first, then soonest (the first ``limit`` series)."""
    ranked = ranked_matches(words)
    first = (
        sa.select(Occurrence.id.label("occurrence_id"), ranked.c.rank,
                  sa.func.row_number().over(partition_by=Occurrence.series_id,
                                            order_by=(Occurrence.start_at, Occurrence.id)).label("nth"))
        .join(EventSeries, EventSeries.id == Occurrence.series_id)
        .join(ranked, ranked.c.series_id == EventSeries.id)
        .where(condition, overlapping(start, end))
        .subquery("first_dates")
    )
    query = (
        _occurrence_query()
        .join(first, first.c.occurrence_id == Occurrence.id)
        .where(first.c.nth == 1)
        .order_by(None)
        .order_by(first.c.rank.desc(), Occurrence.start_at, Occurrence.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def topic_occurrences(topic: Topic, *, now: datetime, limit: int = 30) -> list[Occurrence]:
    """The next occurrences (live and cancelled) of public series about ``topic``, soonest first."""
    query = (
        _occurrence_query()
        .where(Occurrence.end_at > now, EventSeries.topics.any(Topic.id == topic.id))
        .limit(limit)
    )
    return list(db.session.scalars(query))


def _at_venue(venue_id: int) -> sa.ColumnElement[bool]:
    """The occurrence takes place at the venue: its own venue, else its series' (a moved date counts
    where it happens). Written as OR rather than COALESCE so either column's index can serve it."""
    return sa.or_(
        Occurrence.venue_id == venue_id,
        sa.and_(Occurrence.venue_id.is_(None), EventSeries.venue_id == venue_id),
    )


def venue_occurrences(venue: Venue, *, now: datetime, limit: int = 30) -> list[Occurrence]:
    """The next occurrences (live and cancelled) of public series taking place at ``venue``, soonest first."""
    query = _occurrence_query().where(Occurrence.end_at > now, _at_venue(venue.id)).limit(limit)
    return list(db.session.scalars(query))


def organisation_occurrences(organisation: Organisation, *, now: datetime, limit: int = 30) -> list[Occurrence]:
    """The next occurrence of each public series the organisation organises or co-organises."""
    coorganised = sa.select(series_coorganiser.c.series_id).where(
        series_coorganiser.c.organisation_id == organisation.id, coorganiser_accepted_clause()
    )
    next_start = (
        sa.select(Occurrence.series_id, sa.func.min(Occurrence.start_at).label("start_at"))
        .where(Occurrence.end_at > now)
        .group_by(Occurrence.series_id)
        .subquery()
    )
    query = (
        _occurrence_query()
        .join(next_start, sa.and_(Occurrence.series_id == next_start.c.series_id,
                                  Occurrence.start_at == next_start.c.start_at))
        .where(sa.or_(EventSeries.organisation_id == organisation.id, EventSeries.id.in_(coorganised)))
        .limit(limit)
    )
    return list(db.session.scalars(query).unique())


def active_organisations(*, topic: Topic | None = None, language: str | None = None) -> list[Organisation]:
    """Public organisations for the directory, optionally of one topic or working in one language."""
    query = (
        sa.select(Organisation)
        .where(Organisation.public_clause())
        .options(selectinload(Organisation.topics), selectinload(Organisation.language_rows),
                 joinedload(Organisation.logo))
        .order_by(sa.func.lower(Organisation.name), Organisation.id)
    )
    if topic is not None:
        query = query.where(
            Organisation.id.in_(
                sa.select(organisation_topic.c.organisation_id).where(organisation_topic.c.topic_id == topic.id)
            )
        )
    if language:
        query = query.where(
            Organisation.id.in_(
                sa.select(OrganisationLanguage.organisation_id).where(OrganisationLanguage.code == language)
            )
        )
    return list(db.session.scalars(query))


def directory_languages() -> Sequence[str]:
    """Language codes that active organisations work in (for the directory filter)."""
    return list(
        db.session.scalars(
            sa.select(OrganisationLanguage.code)
            .join(Organisation, Organisation.id == OrganisationLanguage.organisation_id)
            .where(Organisation.public_clause())
            .distinct()
            .order_by(OrganisationLanguage.code)
        )
    )


def topic_by_slug(slug: str) -> Topic | None:
    """The topic with this slug, or None."""
    return db.session.scalar(sa.select(Topic).where(Topic.slug == slug))


def all_topics() -> list[Topic]:
    """Every topic of the network, by name."""
    return list(db.session.scalars(sa.select(Topic).order_by(Topic.name)))


@dataclass(frozen=True)
class VenueListing:
    venue: Venue
    upcoming: int  # public events (series) with a date still to take place there


@dataclass(frozen=True)
class TopicListing:
    topic: Topic
    upcoming: int  # public events (series) about the topic with a date still to take place


def _count_upcoming_events(now: datetime) -> sa.Select[tuple[int]]:
    """COUNT of distinct public series with a live date not yet over (occurrences joined to their series)."""
    return (
        sa.select(sa.func.count(sa.distinct(EventSeries.id)).label("upcoming"))
        .select_from(Occurrence)
        .join(EventSeries, EventSeries.id == Occurrence.series_id)
        .where(Occurrence.live_clause(), Occurrence.end_at > now)
    )


def venues_with_upcoming_counts(*, now: datetime) -> list[VenueListing]:
    """Every venue with its number of upcoming public events, in one query: venues with events first,
    then by name."""
    venue_id = sa.func.coalesce(Occurrence.venue_id, EventSeries.venue_id).label("venue_id")
    counts = _count_upcoming_events(now).add_columns(venue_id).group_by(venue_id).subquery()
    upcoming = sa.func.coalesce(counts.c.upcoming, 0)
    rows = db.session.execute(
        sa.select(Venue, upcoming)
        .outerjoin(counts, counts.c.venue_id == Venue.id)
        .order_by((upcoming > 0).desc(), sa.func.lower(Venue.name), Venue.id)
    )
    return [VenueListing(venue, int(count)) for venue, count in rows]


def topics_with_upcoming_counts(*, now: datetime) -> list[TopicListing]:
    """Every topic with its number of upcoming public events, in one query (in the order of ``name``;
    the page sorts by the translated name)."""
    counts = (
        _count_upcoming_events(now)
        .add_columns(series_topic.c.topic_id)
        .join(series_topic, series_topic.c.series_id == EventSeries.id)
        .group_by(series_topic.c.topic_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Topic, sa.func.coalesce(counts.c.upcoming, 0))
        .outerjoin(counts, counts.c.topic_id == Topic.id)
        .order_by(Topic.name)
    )
    return [TopicListing(topic, int(count)) for topic, count in rows]


def venue_by_slug(slug: str) -> Venue | None:
    """The venue with this slug, or None."""
    return db.session.scalar(sa.select(Venue).where(Venue.slug == slug))


def series_with_details(series_id: int) -> EventSeries | None:
    """A series with what its event page shows loaded in one go, or None."""
    return db.session.scalar(
        sa.select(EventSeries)
        .where(EventSeries.id == series_id)
        .options(
            joinedload(EventSeries.organisation),
            joinedload(EventSeries.venue),
            joinedload(EventSeries.picture),
            selectinload(EventSeries.accepted_coorganisers),
            selectinload(EventSeries.topics),
            selectinload(EventSeries.language_rows),
            selectinload(EventSeries.audience_rows),
            selectinload(EventSeries.text_versions),
        )
    )



def last_date_that_took_place(series: EventSeries, moment: datetime) -> Occurrence | None:
    """The series' latest date that ended before ``moment`` and was not cancelled, or None."""
    return db.session.scalar(
        sa.select(Occurrence)
        .join(Occurrence.series)
        .where(Occurrence.series_id == series.id, Occurrence.end_at <= moment, Occurrence.takes_place_clause())
        .order_by(Occurrence.start_at.desc())
        .limit(1)
    )
