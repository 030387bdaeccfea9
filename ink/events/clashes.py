"""Venue clashes: two events' dates at the same venue at overlapping times.

A clash is a pair of occurrences of two different series, both taking place (the date scheduled, the
series not cancelled; drafts count, since a coordinator wants to know before they are published),
at the same effective venue (the date's own venue, else its series'), whose half-open intervals
[start, end) intersect: an event ending at 18:00 and another starting at 18:00 do not clash.
Series of archived organisations are left out (their events take place nowhere).

Every question is answered by one SQL statement: a self-join over the occurrences in a window, driven
by the (start_at, end_at) index on the one side and by the series (or the one occurrence) on the other.
Services only: nothing here knows about requests or who is asking (see ``clash_text`` for that).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased

from ink.events.models import EventSeries, Occurrence, OccurrenceStatus, SeriesStatus, Venue
from ink.events.service import MAX_ALL_DAY_DAYS
from ink.extensions import db
from ink.organisations.models import Organisation, OrganisationStatus

# How far ahead the save warning and /manage/clashes look.
CLASH_HORIZON = timedelta(days=365)
# No date lasts longer (all-day spans and moves are capped at MAX_ALL_DAY_DAYS; a day more for DST), so a
# date overlapping another starts at most this long before it: the lower bound that keeps the index
# range on start_at narrow instead of reaching back through the whole history.
LONGEST_SPAN_DAYS = MAX_ALL_DAY_DAYS + 1


class _days_before(sa.sql.expression.FunctionElement[datetime]):
    """``column - N days`` on the stored (naive UTC) instants, in each dialect's own arithmetic."""

    type = sa.DateTime()
    name = "days_before"
    inherit_cache = True


@compiles(_days_before)
def _days_before_default(element: _days_before, compiler: object, **kw: object) -> str:
    column, days = list(element.clauses)
    return f"({compiler.process(column, **kw)} - INTERVAL '{int(days.value)} days')"  # type: ignore[attr-defined]


@compiles(_days_before, "sqlite")
def _days_before_sqlite(element: _days_before, compiler: object, **kw: object) -> str:
    column, days = list(element.clauses)
    return f"datetime({compiler.process(column, **kw)}, '-{int(days.value)} days')"  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Clash:
    """One date of ``ours`` overlapping one date of ``other`` at ``venue``."""

    ours: Occurrence
    other: Occurrence
    venue: Venue


@dataclass
class ClashGroup:
    """Every clash between two series at one venue, soonest first."""

    ours: EventSeries
    other: EventSeries
    venue: Venue
    clashes: list[Clash] = field(default_factory=list)

    @property
    def first(self) -> Clash:
        return self.clashes[0]

    @property
    def count(self) -> int:
        return len(self.clashes)


def _clash_query(*, start: datetime, end: datetime) -> tuple[sa.Select[Any], type[Occurrence], type[EventSeries],
                                                            type[Occurrence], type[EventSeries]]:
    """The self-join every clash question filters further: (a, its series, b, its series, venue)
    for the dates of ``a`` overlapping [start, end).

    ``b`` is bounded only through ``a`` (no constant bounds of its own), so the planners drive the
    join from ``a`` (a series' dates, or the window's) and look each ``a``'s overlapping dates up by a
    short range of the (start_at, end_at) index."""
    a, b = aliased(Occurrence, name="occ_a"), aliased(Occurrence, name="occ_b")
    series_a, series_b = aliased(EventSeries, name="series_a"), aliased(EventSeries, name="series_b")
    venue_a = sa.func.coalesce(a.venue_id, series_a.venue_id)
    venue_b = sa.func.coalesce(b.venue_id, series_b.venue_id)
    archived = sa.select(Organisation.id).where(Organisation.status == OrganisationStatus.ARCHIVED)
    query = (
        sa.select(a, series_a, b, series_b, Venue)
        .select_from(a)
        .join(series_a, series_a.id == a.series_id)
        .join(b, sa.and_(b.start_at < a.end_at, b.end_at > a.start_at, b.series_id != a.series_id,
                         b.start_at > _days_before(a.start_at, sa.literal(LONGEST_SPAN_DAYS, literal_execute=True))))
        .join(series_b, series_b.id == b.series_id)
        .join(Venue, Venue.id == venue_a)
        .where(
            venue_a == venue_b,
            a.start_at < end, a.end_at > start, a.start_at > start - timedelta(days=LONGEST_SPAN_DAYS),
            a.status == OccurrenceStatus.SCHEDULED, b.status == OccurrenceStatus.SCHEDULED,
            series_a.status != SeriesStatus.CANCELLED, series_b.status != SeriesStatus.CANCELLED,
            series_a.organisation_id.not_in(archived), series_b.organisation_id.not_in(archived),
        )
        .order_by(a.start_at, b.start_at, series_b.title)
    )
    return query, a, series_a, b, series_b


def _clashes(query: sa.Select[Any]) -> list[Clash]:
    return [Clash(ours=ours, other=other, venue=venue)
            for ours, _series_a, other, _series_b, venue in db.session.execute(query)]


def series_clashes(series: EventSeries, *, now: datetime, horizon: timedelta = CLASH_HORIZON) -> list[Clash]:
    """The series' coming dates (from ``now``) that clash with another event's, soonest first."""
    if series.is_cancelled:
        return []
    query, a, _series_a, _b, _series_b = _clash_query(start=now, end=now + horizon)
    return _clashes(query.where(a.series_id == series.id))


def occurrence_clashes(occ: Occurrence) -> list[Clash]:
    """The other events' dates that clash with this one (empty when it does not take place)."""
    if occ.is_cancelled:
        return []
    query, a, _series_a, _b, _series_b = _clash_query(start=occ.start_at, end=occ.end_at)
    return _clashes(query.where(a.id == occ.id))


def clashes_between(start: datetime, end: datetime, *, organisation_ids: set[int] | None = None,
                    series_filter: sa.ColumnElement[bool] | None = None) -> list[Clash]:
    """Every clash with a date in [start, end), each pair of dates once.

    ``organisation_ids`` keeps the clashes involving a series organised by one of them, turned so
    that ``ours`` is such a series (an editor's view); None keeps all (a coordinator's).
    ``series_filter`` (a clause on ``EventSeries``) must hold for both series (what a viewer may see).
    """
    query, a, series_a, b, series_b = _clash_query(start=start, end=end)
    if organisation_ids is None:
        query = query.where(a.series_id < b.series_id)
    else:
        # Ours is the viewer's; when both are, each pair once (lower series id first).
        ours_theirs = series_a.organisation_id.in_(organisation_ids)
        both = sa.and_(ours_theirs, series_b.organisation_id.in_(organisation_ids))
        query = query.where(ours_theirs, sa.or_(sa.not_(both), a.series_id < b.series_id))
    if series_filter is not None:
        query = query.where(_on(series_filter, series_a), _on(series_filter, series_b))
    return _clashes(query)


def _on(clause: sa.ColumnElement[bool], alias: type[EventSeries]) -> sa.ColumnElement[bool]:
    """A clause written against EventSeries, rewritten against one alias of it."""
    return sa.sql.util.ClauseAdapter(sa.inspect(alias).selectable).traverse(clause)


def group_clashes(clashes: Iterable[Clash]) -> list[ClashGroup]:
    """Clashes grouped by (our series, the other series, venue), groups in order of their first clash."""
    groups: dict[tuple[int, int, int], ClashGroup] = {}
    for clash in clashes:
        key = (clash.ours.series_id, clash.other.series_id, clash.venue.id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = ClashGroup(ours=clash.ours.series, other=clash.other.series, venue=clash.venue)
        group.clashes.append(clash)
    return sorted(groups.values(), key=lambda g: (g.first.ours.start_at, g.ours.title, g.other.title))
