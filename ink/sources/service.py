"""Calendar sources: connecting (with a preview first), editing defaults, disconnecting, queries.

Services take plain arguments and never commit; the view that called them owns the transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from ink.core.errors import N_, NotFound, ValidationFailed
from ink.events.models import Audience, EventSeries, Occurrence, OccurrenceStatus, Venue
from ink.extensions import db, network_timezone
from ink.organisations.models import Organisation, OrganisationModeration, Topic
from ink.sources.fetch import FetchError, fetch_calendar, normalise_url
from ink.sources.mapping import MappedCalendar, MappingError, map_calendar
from ink.sources.models import CalendarSource, SourceEvent
from ink.sources.sync import fetch_settings, sync_window


@dataclass
class SourceData:
    """What an editor or coordinator sets on a source (the form's cleaned data)."""

    organisation: Organisation
    url: str
    name: str = ""
    venue: Venue | None = None
    topics: list[Topic] = field(default_factory=list)
    audience: Audience | None = None
    is_drop_in: bool = False
    # Coordinators decide; None keeps the current value (or, for a new source, the organisation's review).
    needs_moderation: bool | None = None


def check_url(url: str) -> str:
    """The URL as it will be fetched; ValidationFailed on the url field otherwise."""
    try:
        return normalise_url(url, allow_http=fetch_settings().allow_http)
    except FetchError as error:
        raise ValidationFailed(error.message, "url", **{k: str(v) for k, v in error.params.items()}) from error


def preview_source(url: str, *, now: datetime) -> MappedCalendar:
    """Fetch and map the calendar without saving anything (the preview before connecting)."""
    target = check_url(url)
    try:
        fetched = fetch_calendar(target, etag=None, last_modified=None, settings=fetch_settings())
        start, end = sync_window(now)
        return map_calendar(fetched.body, window_start=start, window_end=end, network_tz=network_timezone())
    except (FetchError, MappingError) as error:
        raise ValidationFailed(error.message, "url", **{k: str(v) for k, v in error.params.items()}) from error


def create_source(data: SourceData, *, now: datetime) -> CalendarSource:
    """A new source (not synced yet: the caller syncs it after committing)."""
    url = check_url(data.url)
    if db.session.scalar(sa.select(CalendarSource.id).where(CalendarSource.organisation_id == data.organisation.id,
                                                            CalendarSource.url == url)):
        raise ValidationFailed(N_("This calendar is already connected to the organisation."), "url")
    needs_moderation = data.needs_moderation
    if needs_moderation is None:
        needs_moderation = data.organisation.moderation == OrganisationModeration.REVIEWED
    source = CalendarSource(organisation=data.organisation, url=url, created_at=now, needs_moderation=needs_moderation,
                            problems=[], status_params={})
    _apply(source, data)
    db.session.add(source)
    db.session.flush()
    return source


def update_source(source: CalendarSource, data: SourceData) -> CalendarSource:
    """Change a source's address, name or defaults (defaults apply to series it creates from now on)."""
    url = check_url(data.url)
    if url != source.url:
        source.url, source.etag, source.last_modified, source.content_hash = url, None, None, None
    if data.needs_moderation is not None:
        source.needs_moderation = data.needs_moderation
    _apply(source, data)
    return source


def _apply(source: CalendarSource, data: SourceData) -> None:
    name = data.name.strip()[:200]
    if not name:
        raise ValidationFailed(N_("A name is required."), "name")
    source.name = name
    source.venue = data.venue
    source.topics = list(data.topics)
    source.audience = data.audience.value if data.audience else None
    source.is_drop_in = data.is_drop_in


def disconnect_source(source: CalendarSource) -> int:
    """Forget the source; its series stay as ordinary events (editable in full). Returns how many."""
    count = len(source.links)
    db.session.delete(source)
    return count


def get_source(source_id: int) -> CalendarSource:
    """The source with this id; NotFound if there is none."""
    source = db.session.get(CalendarSource, source_id)
    if source is None:
        raise NotFound(N_("No such calendar source."))
    return source


def sources_of(organisation_ids: set[int] | None) -> list[CalendarSource]:
    """Sources of these organisations (None: all, for a coordinator), by organisation and name."""
    query = sa.select(CalendarSource).join(CalendarSource.organisation).order_by(Organisation.name, CalendarSource.name)
    if organisation_ids is not None:
        query = query.where(CalendarSource.organisation_id.in_(organisation_ids))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class SourceCounts:
    series: int
    removed: int
    upcoming: int


def source_counts(source: CalendarSource, *, now: datetime) -> SourceCounts:
    """How many series the source gave, how many it no longer has, and their upcoming dates."""
    series = db.session.scalar(sa.select(sa.func.count()).select_from(SourceEvent)
                               .where(SourceEvent.source_id == source.id)) or 0
    removed = db.session.scalar(sa.select(sa.func.count()).select_from(SourceEvent)
                                .where(SourceEvent.source_id == source.id, SourceEvent.is_removed)) or 0
    upcoming = db.session.scalar(
        sa.select(sa.func.count()).select_from(Occurrence)
        .join(SourceEvent, SourceEvent.series_id == Occurrence.series_id)
        .where(SourceEvent.source_id == source.id, Occurrence.start_at >= now,
               Occurrence.status == OccurrenceStatus.SCHEDULED)) or 0
    return SourceCounts(series, removed, upcoming)


def source_series(source: CalendarSource) -> list[EventSeries]:
    """The series imported from the source, by title."""
    return list(db.session.scalars(
        sa.select(EventSeries).join(SourceEvent, SourceEvent.series_id == EventSeries.id)
        .where(SourceEvent.source_id == source.id).order_by(EventSeries.title)))
