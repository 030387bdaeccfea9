"""Selecting what a feed or the occurrences API shows: a bounded number of queries per call,
whatever the size of the network (filters resolved, one query for occurrence rows, one for the
series with their venue, topics and organisation loaded in bulk)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ink.events.filters import MAX_OCCURRENCE_SPAN, overlapping
from ink.events.models import EventSeries, Occurrence, OccurrenceStatus, SeriesTextVersion, Venue
from ink.extensions import db
from ink.feeds.ical import FeedOccurrence, FeedTexts
from ink.organisations.text_versions import chosen_texts


def _load_series(ids: set[int]) -> list[EventSeries]:
    if not ids:
        return []
    # Text versions are not loaded here: feed_texts reads them in one query for the few series that have any.
    return list(db.session.scalars(
        sa.select(EventSeries).where(EventSeries.id.in_(sorted(ids))).options(
            selectinload(EventSeries.venue), selectinload(EventSeries.topics),
            selectinload(EventSeries.organisation),
        )
    ))


def _texts_for_feed(series: EventSeries, versions: Sequence[SeriesTextVersion], language: str) -> FeedTexts:
    """The series' texts for a feed in ``language`` (its version, else the original): marked with their
    language (LANGUAGE) when the series has versions or they are not in the feed's language; a series
    with neither renders as before versions existed, byte for byte."""
    if not versions:  # most series: the original, as is (the rule of chosen_texts without its bookkeeping)
        return FeedTexts(title=series.title, description_html=series.description_html,
                         language=series.original_language if series.original_language != language else None,
                         updated_at=None)
    chosen = chosen_texts(series, language, versions)
    updated = next((version.updated_at for version in versions if version.language == chosen.language), None)
    return FeedTexts(title=chosen["title"], description_html=chosen["description_html"],
                     language=chosen.lang("title"), updated_at=updated)


def series_feed_texts(series: EventSeries, language: str) -> FeedTexts:
    """One series' texts for a feed in ``language`` (see _texts_for_feed)."""
    return _texts_for_feed(series, series.text_versions, language)


def feed_texts(series_list: Sequence[EventSeries], language: str) -> dict[int, FeedTexts]:
    """The texts of each series for a feed in ``language``, by id: the versions in one query."""
    ids = [series.id for series in series_list]
    versions: dict[int, list[SeriesTextVersion]] = defaultdict(list)
    if ids:
        for version in db.session.scalars(
                sa.select(SeriesTextVersion).where(SeriesTextVersion.series_id.in_(ids))):
            versions[version.series_id].append(version)
    return {series.id: _texts_for_feed(series, versions.get(series.id, ()), language) for series in series_list}


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
        .where(condition, overlapping(start, end))
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


