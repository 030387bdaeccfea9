"""The year planner: a whole year by month for coordinators and editors (``/manage/planner/<year>``).

For each month: the annual days and one-offs (series without a repeat rule, or repeating yearly),
the starts and ends of the other recurring series (their first date, and the last one of a rule that
ends), cancellations (a cancelled date, or a whole recurring series cancelled: once, at its first date
in the year), the venue clashes among the events shown, and the empty weeks: ISO weeks (placed in the
month of their Thursday, as ISO 8601 does) in which no public date takes place.

Who sees what: everything public; drafts and not-yet-public events only of the organisations the
viewer manages (all of them for a coordinator). Two queries for the dates and their series, one for
the last dates of ending rules, one for the clashes.
"""
from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from ink.core.time import local_midnight_utc, utc_to_local
from ink.events.clashes import Clash, ClashGroup, clashes_between, group_clashes
from ink.events.models import EventSeries, Occurrence
from ink.extensions import db

FIRST_YEAR, LAST_YEAR = 2000, 2100


class EntryKind(enum.StrEnum):
    ANNUAL = "annual"
    ONE_OFF = "one_off"
    START = "start"
    END = "end"
    CANCELLED = "cancelled"
    SERIES_CANCELLED = "series_cancelled"


@dataclass
class PlanEntry:
    kind: EntryKind
    occurrence: Occurrence
    has_clash: bool = False

    @property
    def series(self) -> EventSeries:
        return self.occurrence.series


@dataclass
class EmptyWeek:
    number: int
    monday: date

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)


@dataclass
class MonthPlan:
    first_day: date
    entries: list[PlanEntry] = field(default_factory=list)
    clashes: list[ClashGroup] = field(default_factory=list)
    empty_weeks: list[EmptyWeek] = field(default_factory=list)


@dataclass
class YearPlan:
    year: int
    months: list[MonthPlan]

    @property
    def empty_week_count(self) -> int:
        return sum(len(month.empty_weeks) for month in self.months)


def is_plannable_year(year: int) -> bool:
    """Whether the planner has a page for this year."""
    return FIRST_YEAR <= year <= LAST_YEAR


def _is_yearly(series: EventSeries) -> bool:
    return bool(series.rrule) and "FREQ=YEARLY" in (series.rrule or "")


def _has_end(series: EventSeries) -> bool:
    rule = series.rrule or ""
    return "COUNT=" in rule or "UNTIL=" in rule


def iso_weeks(year: int) -> list[EmptyWeek]:
    """Every ISO week whose Thursday falls in ``year`` (its number and Monday)."""
    monday = date.fromisocalendar(year, 1, 1)
    weeks = []
    while (monday + timedelta(days=3)).year == year:
        weeks.append(EmptyWeek(number=monday.isocalendar().week, monday=monday))
        monday += timedelta(days=7)
    return weeks


def plan_year(year: int, *, tz: str, organisation_ids: set[int] | None) -> YearPlan:
    """The year's plan. ``organisation_ids``: whose drafts the viewer sees (None: everyone's)."""
    weeks = iso_weeks(year)
    year_start, year_end = local_midnight_utc(date(year, 1, 1), tz), local_midnight_utc(date(year + 1, 1, 1), tz)
    window_start = min(year_start, local_midnight_utc(weeks[0].monday, tz))
    window_end = max(year_end, local_midnight_utc(weeks[-1].monday + timedelta(days=7), tz))
    visible = _visible(organisation_ids)
    occurrences = list(db.session.scalars(
        sa.select(Occurrence).join(Occurrence.series)
        .where(Occurrence.start_at < window_end, Occurrence.end_at > window_start, visible)
        .options(contains_eager(Occurrence.series))
        .order_by(Occurrence.start_at, EventSeries.title)
    ))
    clash_groups = _clashes_by_month(year_start, year_end, tz, organisation_ids)
    clashing = {clash.ours.id for groups in clash_groups.values() for g in groups for clash in g.clashes}
    clashing |= {clash.other.id for groups in clash_groups.values() for g in groups for clash in g.clashes}
    ends = _last_dates({occ.series for occ in occurrences if occ.series.rrule and not _is_yearly(occ.series)
                        and _has_end(occ.series)})

    months = [MonthPlan(first_day=date(year, n, 1)) for n in range(1, 13)]
    busy_weeks: set[tuple[int, int]] = set()
    cancelled_series_seen: set[int] = set()
    for occ in occurrences:
        local_start = utc_to_local(occ.start_at, tz)
        if occ.is_live:
            last_day = utc_to_local(occ.end_at - timedelta(seconds=1), tz).date()
            day = local_start.date()
            while day <= last_day:
                iso = day.isocalendar()
                busy_weeks.add((iso.year, iso.week))
                day += timedelta(days=1)
        if not year_start <= occ.start_at < year_end:
            continue
        kind = _kind(occ, ends, cancelled_series_seen)
        if kind is not None:
            months[local_start.month - 1].entries.append(PlanEntry(kind, occ, has_clash=occ.id in clashing))
    for week in weeks:
        if (year, week.number) not in busy_weeks:
            months[(week.monday + timedelta(days=3)).month - 1].empty_weeks.append(week)
    for month_number, groups in clash_groups.items():
        months[month_number - 1].clashes = groups
    return YearPlan(year=year, months=months)


def _visible(organisation_ids: set[int] | None) -> sa.ColumnElement[bool]:
    """What a viewer sees: public series, and any series of the organisations they manage (None: all)."""
    if organisation_ids is None:
        return sa.true()
    return sa.or_(EventSeries.public_clause(), EventSeries.organisation_id.in_(organisation_ids))


def _kind(occ: Occurrence, ends: dict[int, datetime], cancelled_series_seen: set[int]) -> EntryKind | None:
    series = occ.series
    recurring = bool(series.rrule) and not _is_yearly(series)
    if series.is_cancelled and recurring:
        if series.id in cancelled_series_seen:
            return None
        cancelled_series_seen.add(series.id)
        return EntryKind.SERIES_CANCELLED
    if occ.is_cancelled:
        return EntryKind.CANCELLED
    if not series.rrule:
        return EntryKind.ONE_OFF
    if _is_yearly(series):
        return EntryKind.ANNUAL
    if occ.original_start_at == series.start_at:
        return EntryKind.START
    if ends.get(series.id) == occ.original_start_at:
        return EntryKind.END
    return None


def _last_dates(series: set[EventSeries]) -> dict[int, datetime]:
    """The last date (original start) of each of these series."""
    if not series:
        return {}
    rows = db.session.execute(
        sa.select(Occurrence.series_id, sa.func.max(Occurrence.original_start_at))
        .where(Occurrence.series_id.in_([s.id for s in series])).group_by(Occurrence.series_id)
    )
    return {series_id: last for series_id, last in rows}  # max() keeps the column's type: UTC instants


def _clashes_by_month(start: datetime, end: datetime, tz: str,
                      organisation_ids: set[int] | None) -> dict[int, list[ClashGroup]]:
    """The clashes among the events the viewer sees, grouped within each month of their date."""
    by_month: dict[int, list[Clash]] = defaultdict(list)
    series_filter = None if organisation_ids is None else _visible(organisation_ids)
    for clash in clashes_between(start, end, series_filter=series_filter):
        by_month[utc_to_local(clash.ours.start_at, tz).month].append(clash)
    return {month: group_clashes(clashes) for month, clashes in by_month.items()}
