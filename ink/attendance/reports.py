"""Attendance reports: aggregated in SQL with a fixed number of queries, whatever the range.

Definitions (also in the README):
- an occurrence belongs to the period when its (effective) start falls in it, in the network's time zone;
- only published series (and cancelled ones, for the cancelled figures) count; drafts never do;
- held: not cancelled and started by now (or by the end of the period);
- cancelled: the occurrence or its whole series was cancelled;
- counted: held and has an attendance record; total attendance is the sum of those records, and the
  average is total / counted;
- by organisation: a co-organised occurrence is credited to the organiser and to every co-organiser,
  while network totals count it once. By topic likewise credits every topic of the series.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ink.attendance.models import AttendanceCategory, AttendanceRecord
from ink.core.errors import N_, ValidationFailed
from ink.core.time import local_date, local_midnight_utc
from ink.events.models import (
    EventSeries,
    Occurrence,
    OccurrenceStatus,
    SeriesStatus,
    coorganiser_accepted_clause,
    series_coorganiser,
    series_topic,
)
from ink.extensions import db
from ink.organisations.models import Organisation, Topic

MAX_PERIOD_DAYS = 366 * 20
MISSING_LISTED = 200
MISSING_SHOWN = 3  # per series, the most recent shown; older ones folded away


@dataclass(frozen=True)
class Period:
    start: date  # inclusive, local
    end: date  # inclusive, local

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        return local_midnight_utc(self.start, tz), local_midnight_utc(_next_day(self.end), tz)

    @property
    def is_calendar_year(self) -> bool:
        return (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31) \
            and self.start.year == self.end.year


def _next_day(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def calendar_year(year: int) -> Period:
    """The period from 1 January to 31 December of a year."""
    return Period(date(year, 1, 1), date(year, 12, 31))


def parse_period(start: str | None, end: str | None, *, now: datetime, tz: str) -> Period:
    """A period from ISO dates (either may be blank); by default the current calendar year."""
    default = calendar_year(local_date(now, tz).year)
    try:
        first = date.fromisoformat(start) if start else default.start
    except ValueError:
        raise ValidationFailed(N_("Enter the date as YYYY-MM-DD."), "start") from None
    try:
        last = date.fromisoformat(end) if end else (
            calendar_year(first.year).end if start else default.end)
    except ValueError:
        raise ValidationFailed(N_("Enter the date as YYYY-MM-DD."), "end") from None
    if last < first:
        raise ValidationFailed(N_("The end must not be before the start."), "end")
    if (last - first).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(N_("Choose a period of at most twenty years."), "end")
    return Period(first, last)


@dataclass
class Row:
    label: str
    held: int = 0
    cancelled: int = 0
    counted: int = 0
    total: int = 0
    key: Any = None

    @property
    def average(self) -> float | None:
        return self.total / self.counted if self.counted else None

    @property
    def missing(self) -> int:
        return self.held - self.counted


@dataclass
class RangeReport:
    period: Period
    organisation: Organisation | None
    totals: Row
    months: list[Row]
    topics: list[Row]
    organisations: list[Row]
    formats: list[Row]
    missing: list[Occurrence] = field(default_factory=list)  # newest first

    @property
    def missing_groups(self) -> list[MissingGroup]:
        return group_missing(self.missing)


@dataclass
class MissingGroup:
    """The occurrences of one series still without a count, newest first."""

    series: EventSeries
    occurrences: list[Occurrence]
    shown: int = MISSING_SHOWN

    @property
    def recent(self) -> list[Occurrence]:
        return self.occurrences[:self.shown]

    @property
    def older(self) -> list[Occurrence]:
        return self.occurrences[self.shown:]


def group_missing(occurrences: list[Occurrence], shown: int = MISSING_SHOWN) -> list[MissingGroup]:
    """Missing counts per series, each newest first; the series with the most recent gap first."""
    by_series: dict[int, list[Occurrence]] = {}
    for occurrence in occurrences:
        by_series.setdefault(occurrence.series_id, []).append(occurrence)
    groups = [MissingGroup(items[0].series, sorted(items, key=lambda o: (o.start_at, o.id), reverse=True), shown)
              for items in by_series.values()]
    return sorted(groups, key=lambda g: (g.occurrences[0].start_at, g.occurrences[0].id), reverse=True)


def _month_starts(period: Period) -> list[date]:
    months = []
    year, month = period.start.year, period.start.month
    while date(year, month, 1) <= period.end:
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _is_cancelled() -> sa.ColumnElement[bool]:
    return sa.or_(Occurrence.status == OccurrenceStatus.CANCELLED, EventSeries.status == SeriesStatus.CANCELLED)


def _base(start_at: datetime, end_at: datetime, held_by: datetime, organisation_id: int | None,
          month_bounds: list[datetime] | None = None) -> sa.Subquery:
    cancelled = _is_cancelled()
    held = sa.and_(sa.not_(cancelled), Occurrence.start_at <= held_by)
    columns: list[Any] = [
        Occurrence.id.label("occurrence_id"),
        Occurrence.series_id.label("series_id"),
        EventSeries.is_drop_in.label("is_drop_in"),
        sa.case((cancelled, 1), else_=0).label("is_cancelled"),
        sa.case((held, 1), else_=0).label("is_held"),
        sa.case((sa.and_(held, AttendanceRecord.id.is_not(None)), 1), else_=0).label("is_counted"),
        sa.case((sa.and_(held, AttendanceRecord.id.is_not(None)), AttendanceRecord.total), else_=0).label("people"),
    ]
    if month_bounds:
        # Month index by comparing with the (UTC) instants where local months end: portable SQL.
        columns.append(sa.case(*[(Occurrence.start_at < bound, i) for i, bound in enumerate(month_bounds)],
                               else_=len(month_bounds) - 1).label("month"))
    query = (
        sa.select(*columns)
        .select_from(Occurrence)
        .join(EventSeries, EventSeries.id == Occurrence.series_id)
        .outerjoin(AttendanceRecord, AttendanceRecord.occurrence_id == Occurrence.id)
        .where(
            Occurrence.start_at >= start_at,
            Occurrence.start_at < end_at,
            EventSeries.status.in_([SeriesStatus.PUBLISHED, SeriesStatus.CANCELLED]),
        )
    )
    if organisation_id is not None:
        coorganised = sa.select(series_coorganiser.c.series_id).where(
            series_coorganiser.c.organisation_id == organisation_id, coorganiser_accepted_clause())
        query = query.where(sa.or_(EventSeries.organisation_id == organisation_id, EventSeries.id.in_(coorganised)))
    return query.subquery("base")


def _sums(base: sa.Subquery) -> list[Any]:
    return [
        sa.func.coalesce(sa.func.sum(base.c.is_held), 0).label("held"),
        sa.func.coalesce(sa.func.sum(base.c.is_cancelled), 0).label("cancelled"),
        sa.func.coalesce(sa.func.sum(base.c.is_counted), 0).label("counted"),
        sa.func.coalesce(sa.func.sum(base.c.people), 0).label("total"),
    ]


def _row(label: str, result: Any, key: Any = None) -> Row:
    return Row(label=label, held=int(result.held), cancelled=int(result.cancelled),
               counted=int(result.counted), total=int(result.total), key=key)


def range_report(period: Period, *, now: datetime, tz: str, organisation: Organisation | None = None,
                 month_label: Any = None) -> RangeReport:
    """Held, cancelled and counted occurrences with attendance over a period: totals, by month and by series."""
    start_at, end_at = period.bounds(tz)
    held_by = min(now, end_at)
    month_starts = _month_starts(period)
    month_bounds = [local_midnight_utc(_next_month(m), tz) for m in month_starts]
    org_id = organisation.id if organisation else None
    base = _base(start_at, end_at, held_by, org_id, month_bounds)

    totals = _row(_("Total"), db.session.execute(sa.select(*_sums(base))).one())

    by_month = {r.month: r for r in db.session.execute(
        sa.select(base.c.month, *_sums(base)).group_by(base.c.month))}
    label = month_label or (lambda d: d.strftime("%Y-%m"))
    months = [_row(label(m), by_month[i], key=m) if i in by_month else Row(label(m), key=m)
              for i, m in enumerate(month_starts)]

    topic_rows = db.session.execute(
        sa.select(Topic.id, Topic.name, *_sums(base))
        .select_from(base)
        .outerjoin(series_topic, series_topic.c.series_id == base.c.series_id)
        .outerjoin(Topic, Topic.id == series_topic.c.topic_id)
        .group_by(Topic.id, Topic.name)
    ).all()
    topics = sorted((_row(_(r.name) if r.name else _("No topic"), r, key=r.id) for r in topic_rows),
                    key=lambda row: (row.key is None, -row.total, row.label))

    links = sa.union_all(
        sa.select(EventSeries.id.label("series_id"), EventSeries.organisation_id.label("organisation_id")),
        sa.select(series_coorganiser.c.series_id, series_coorganiser.c.organisation_id)
        .where(coorganiser_accepted_clause()),
    ).subquery("links")
    org_rows = db.session.execute(
        sa.select(Organisation.id, Organisation.name, *_sums(base))
        .select_from(base)
        .join(links, links.c.series_id == base.c.series_id)
        .join(Organisation, Organisation.id == links.c.organisation_id)
        .group_by(Organisation.id, Organisation.name)
    ).all()
    organisations = sorted((_row(r.name, r, key=r.id) for r in org_rows), key=lambda row: (-row.total, row.label))

    format_rows = {bool(r.is_drop_in): r for r in db.session.execute(
        sa.select(base.c.is_drop_in, *_sums(base)).group_by(base.c.is_drop_in))}
    formats = [
        _row(_("Drop-in"), format_rows[True]) if True in format_rows else Row(_("Drop-in")),
        _row(_("Registration"), format_rows[False]) if False in format_rows else Row(_("Registration")),
    ]

    missing = missing_in_period(start_at, held_by, org_id)
    return RangeReport(period, organisation, totals, months, topics, organisations, formats, missing)


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def missing_in_period(start_at: datetime, held_by: datetime, organisation_id: int | None,
                      limit: int = MISSING_LISTED) -> list[Occurrence]:
    """Held, published occurrences in the period that have no attendance count yet (at most `limit`)."""
    query = (
        sa.select(Occurrence)
        .join(Occurrence.series)
        .outerjoin(AttendanceRecord, AttendanceRecord.occurrence_id == Occurrence.id)
        .where(
            Occurrence.start_at >= start_at, Occurrence.start_at <= held_by,
            Occurrence.takes_place_clause(),
            AttendanceRecord.id.is_(None),
        )
        .options(sa.orm.contains_eager(Occurrence.series).joinedload(EventSeries.organisation))
        .order_by(Occurrence.start_at.desc(), Occurrence.id.desc())  # the limit keeps the most recent
        .limit(limit)
    )
    if organisation_id is not None:
        coorganised = sa.select(series_coorganiser.c.series_id).where(
            series_coorganiser.c.organisation_id == organisation_id, coorganiser_accepted_clause())
        query = query.where(sa.or_(EventSeries.organisation_id == organisation_id, EventSeries.id.in_(coorganised)))
    return list(db.session.scalars(query))


@dataclass
class SeriesLine:
    occurrence: Occurrence
    total: int | None
    method: str | None
    breakdown: dict[str, int] = field(default_factory=dict)  # split categories: parts of the total
    tallies: dict[str, int] = field(default_factory=dict)  # counted beside the total, never added

    def category_count(self, category: AttendanceCategory) -> int | None:
        return (self.tallies if category.is_tally else self.breakdown).get(category.name)

    @property
    def is_cancelled(self) -> bool:
        return self.occurrence.is_cancelled


@dataclass
class SeriesReport:
    series: EventSeries
    lines: list[SeriesLine]
    categories: list[AttendanceCategory] = field(default_factory=list)

    @property
    def counted(self) -> list[SeriesLine]:
        return [line for line in self.lines if line.total is not None and not line.is_cancelled]

    @property
    def total(self) -> int:
        return sum(line.total or 0 for line in self.counted)

    @property
    def average(self) -> float | None:
        counted = self.counted
        return self.total / len(counted) if counted else None


def series_report(series: EventSeries, *, now: datetime) -> SeriesReport:
    """Every occurrence that has started by now (cancelled ones marked), with its count, breakdown
    and tallies; the series' categories, split ones first. Two queries."""
    categories = sorted(db.session.scalars(
        sa.select(AttendanceCategory).where(AttendanceCategory.series_id == series.id)
        .order_by(AttendanceCategory.position, AttendanceCategory.id)), key=lambda c: c.is_tally)
    rows = db.session.execute(
        sa.select(Occurrence, AttendanceRecord.total, AttendanceRecord.method, AttendanceRecord.breakdown,
                  AttendanceRecord.tallies)
        .outerjoin(AttendanceRecord, AttendanceRecord.occurrence_id == Occurrence.id)
        .where(Occurrence.series_id == series.id, Occurrence.start_at <= now)
        .order_by(Occurrence.start_at)
    ).all()
    lines = [SeriesLine(r[0], r.total, r.method, r.breakdown or {}, r.tallies or {}) for r in rows]
    return SeriesReport(series, lines, categories)


# --- CSV ------------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet cannot run as a formula (OWASP "CSV injection"): text starting with
    = + - @ tab or CR gets a leading single quote; numbers, negative ones too, stay numbers."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


def rows_to_csv(header: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs open æøå intact; every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(value) for value in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def format_average(value: float | None) -> str:
    """An average with one decimal for tables and CSV; empty when there is none."""
    return "" if value is None else f"{value:.1f}"


def table_rows(rows: list[Row]) -> list[list[Any]]:
    """Report rows as table cells, in the order of table_header()."""
    return [[r.label, r.held, r.cancelled, r.counted, r.total, format_average(r.average)] for r in rows]


def table_header() -> list[str]:
    """The translated column headings of a report table."""
    return [_("Name"), _("Held"), _("Cancelled"), _("Counted"), _("Total attendance"), _("Average")]
