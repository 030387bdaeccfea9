"""Attendance services: counts with history, categories, door-counter links and atomic taps.

Services take plain arguments (and ``now``), raise domain errors and never commit.
How the door counter feeds the record: taps change the occurrence's live door count (DoorCount rows).
An editor then accepts it with one click (``accept_door_count``), which records it as the occurrence's
attendance with method "door counter" (and its breakdown by category); it can be corrected like any count.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ink.attendance.models import (
    MAX_COUNT,
    AttendanceCategory,
    AttendanceRecord,
    AttendanceRevision,
    CategoryKind,
    CountMethod,
    DoorCount,
    DoorLink,
    DoorTap,
)
from ink.core.errors import N_, NP_, Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from ink.core.time import local_day_bounds, local_date
from ink.events.models import EventSeries, Occurrence, coorganiser_accepted_clause, series_coorganiser
from ink.extensions import db, insert_ignoring_conflicts
from ink.organisations.access import editor_organisation_ids, is_coordinator
from ink.urls import absolute_url

DOOR_LINK_SALT = "ink.attendance.door-link"
NO_CATEGORY = 0
MAX_CATEGORIES = 12


class Gone(DomainError):
    """A door link that was revoked or has expired: a clear page, status 410."""

    status_code = 410


class NotYetOpen(DomainError):
    status_code = 409


# --- access ---------------------------------------------------------------------------------------

def organiser_ids(series: EventSeries) -> set[int]:
    """The ids of the organisation running a series and of its co-organisers."""
    return {series.organisation_id, *(o.id for o in series.accepted_coorganisers)}


def can_count(user: Any, series: EventSeries) -> bool:
    """Coordinators, and editors of the organiser or of a co-organiser, may enter counts."""
    return is_coordinator(user) or bool(organiser_ids(series) & editor_organisation_ids(user))


def require_counter(user: Any, series: EventSeries) -> None:
    """Raise Forbidden unless the user may record attendance for the series."""
    if not can_count(user, series):
        raise Forbidden(N_("You are not an editor of an organisation that runs this event."))


def get_by_id(model: type[Any], object_id: int, *options: Any) -> Any:
    """The object of a model with this id, or None (ids come from ``<int:…>`` routes or signed tokens)."""
    return db.session.get(model, object_id, options=list(options))


def get_occurrence(occurrence_id: int) -> Occurrence:
    """The occurrence with this id; NotFound if there is none."""
    occurrence = get_by_id(Occurrence, occurrence_id)
    if occurrence is None:
        raise NotFound(N_("No such occurrence."))
    return occurrence


def get_series(series_id: int) -> EventSeries:
    """The series with this id; NotFound if there is none."""
    series = get_by_id(EventSeries, series_id)
    if series is None:
        raise NotFound(N_("No such event."))
    return series


# --- categories -----------------------------------------------------------------------------------

def series_categories(series_id: int) -> list[AttendanceCategory]:
    """A series' attendance categories in their display order."""
    return list(db.session.scalars(
        sa.select(AttendanceCategory).where(AttendanceCategory.series_id == series_id)
        .order_by(AttendanceCategory.position, AttendanceCategory.id)
    ))


def _category_name(name: str, others: list[AttendanceCategory]) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed(N_("A category needs a name."), "name")
    if len(name) > 80:
        raise ValidationFailed(N_("Keep the name to 80 characters."), "name")
    if any(c.name.casefold() == name.casefold() for c in others):
        raise ValidationFailed(N_("This event already has that category."), "name")
    return name


def add_category(series: EventSeries, name: str, kind: CategoryKind | str = CategoryKind.SPLIT) -> AttendanceCategory:
    """A new category at the end: a part of the total (split) or counted beside it (tally)."""
    existing = series_categories(series.id)
    name = _category_name(name, existing)
    if len(existing) >= MAX_CATEGORIES:
        raise ValidationFailed(NP_("An event can have at most %(n)d category.", "An event can have at most %(n)d categories.", "n"), "name", n=MAX_CATEGORIES)
    category = AttendanceCategory(series_id=series.id, name=name, kind=_category_kind(kind),
                                  position=max((c.position for c in existing), default=0) + 1)
    db.session.add(category)
    db.session.flush()
    return category


def _category_kind(kind: CategoryKind | str) -> CategoryKind:
    try:
        return CategoryKind(kind)
    except ValueError:
        raise ValidationFailed(N_("Choose whether the category is part of the total or counted beside it."),
                               "kind") from None


def _series_records(series_id: int) -> list[AttendanceRecord]:
    return list(db.session.scalars(
        sa.select(AttendanceRecord).join(Occurrence, Occurrence.id == AttendanceRecord.occurrence_id)
        .where(Occurrence.series_id == series_id)))


def set_category_kind(category: AttendanceCategory, kind: CategoryKind | str) -> AttendanceCategory:
    """Make a category split the total or be counted beside it. Current records move its number
    to the other side (their totals stay as entered); revisions keep what was recorded then."""
    kind = _category_kind(kind)
    if kind == category.kind:
        return category
    category.kind = kind
    source, target = ("breakdown", "tallies") if kind == CategoryKind.TALLY else ("tallies", "breakdown")
    for record in _series_records(category.series_id):
        moved = dict(getattr(record, source) or {})
        if category.name in moved:
            n = moved.pop(category.name)
            # New dicts: JSON columns do not track changes in place.
            setattr(record, source, moved)
            setattr(record, target, {**(getattr(record, target) or {}), category.name: n})
    db.session.flush()
    return category


def rename_category(category: AttendanceCategory, name: str) -> AttendanceCategory:
    """Door counts are keyed by the category's id and so stay with it. Current records keep their
    breakdown by name, so they follow the new name; revisions keep the name as it was then."""
    others = [c for c in series_categories(category.series_id) if c.id != category.id]
    name = _category_name(name, others)
    old = category.name
    if name == old:
        return category
    category.name = name
    for record in _series_records(category.series_id):
        for column in ("breakdown", "tallies"):
            counts = getattr(record, column) or {}
            if old in counts:
                # A new dict (JSON columns do not track changes in place), order kept.
                setattr(record, column, {name if key == old else key: n for key, n in counts.items()})
    db.session.flush()
    return category


def move_category(category: AttendanceCategory, offset: int) -> None:
    """Move a category one place up (-1) or down (+1); positions become 1..n."""
    ordered = series_categories(category.series_id)
    index = next(i for i, c in enumerate(ordered) if c.id == category.id)
    target = index + offset
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    db.session.flush()


def remove_category(category: AttendanceCategory) -> None:
    """Delete a category nobody was counted in; Conflict if the door counter has counted people in it."""
    counted = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(DoorCount.n), 0)).where(
        DoorCount.category_id == category.id))
    if counted:
        raise Conflict(N_("The door counter has counted people in this category; it cannot be removed."))
    db.session.execute(sa.delete(DoorCount).where(DoorCount.category_id == category.id))
    db.session.delete(category)


# --- counts ---------------------------------------------------------------------------------------

def check_countable(occurrence: Occurrence, *, now: datetime) -> None:
    """Raise ValidationFailed for an occurrence that cannot have a count: cancelled, or not started yet."""
    if occurrence.is_cancelled:
        raise ValidationFailed(N_("This occurrence was cancelled, so it has no attendance."), "total")
    if occurrence.start_at > now:
        raise ValidationFailed(N_("This occurrence has not started yet; enter the count once it has."), "total")


def get_record(occurrence_id: int) -> AttendanceRecord | None:
    """The attendance record of an occurrence, or None before anyone counted."""
    return db.session.scalar(sa.select(AttendanceRecord).where(AttendanceRecord.occurrence_id == occurrence_id))


def _check_number(value: Any, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(N_("Enter a whole number."), field_name)
    if value < 0:
        raise ValidationFailed(N_("A count cannot be negative."), field_name)
    if value > MAX_COUNT:
        raise ValidationFailed(N_("That is more than %(max)d; please check the number."), field_name, max=MAX_COUNT)
    return value


def record_attendance(occurrence: Occurrence, *, total: int, breakdown: Mapping[int, int | None] | None = None,
                      method: CountMethod, note: str = "", confirm_over_capacity: bool = False,
                      user: Any, now: datetime) -> AttendanceRecord:
    """Enter or correct the count of a held occurrence; every call appends a revision.

    ``breakdown`` maps category ids to counts. Split categories: all blank means no breakdown,
    otherwise every one must be given and they must add up to the total. Tally categories are
    each optional and at most the total; they are kept beside it, never added.
    """
    check_countable(occurrence, now=now)
    total = _check_number(total, "total")
    categories = series_categories(occurrence.series_id)
    given = {k: v for k, v in (breakdown or {}).items() if v is not None}
    known = {c.id for c in categories}
    for category_id in given:
        if category_id not in known:
            raise ValidationFailed(N_("Unknown category."), f"category_{category_id}")
    by_name = _split_breakdown([c for c in categories if not c.is_tally], given, total)
    tallies = _tallies([c for c in categories if c.is_tally], given, total)
    note = note.strip()
    if len(note) > 1000:
        raise ValidationFailed(N_("Keep the note to 1000 characters."), "note")
    capacity = occurrence.venue.capacity if occurrence.venue else None
    over = capacity is not None and total > capacity
    if over and not confirm_over_capacity:
        raise ValidationFailed(
            N_("%(total)d is more than the venue's capacity of %(capacity)d. Check the number, "
               "or tick the box to confirm it."), "confirm_over_capacity", total=total, capacity=capacity)
    user_id = getattr(user, "id", None)
    record = get_record(occurrence.id)
    if record is None:
        record = AttendanceRecord(occurrence_id=occurrence.id)
    record.total = total
    record.breakdown = by_name
    record.tallies = tallies
    record.method = CountMethod(method)
    record.note = note
    record.is_over_capacity = over
    record.updated_by_id = user_id
    record.updated_at = now
    db.session.add(record)
    db.session.flush()
    db.session.add(AttendanceRevision(
        record_id=record.id, total=total, breakdown=by_name, tallies=tallies, method=record.method, note=note,
        changed_by_id=record.updated_by_id, changed_at=now,
    ))
    db.session.flush()
    return record


def _split_breakdown(splits: list[AttendanceCategory], given: Mapping[int, int], total: int) -> dict[str, int]:
    by_name: dict[str, int] = {}
    if not any(c.id in given for c in splits):
        return by_name
    for category in splits:
        if category.id not in given:
            raise ValidationFailed(N_("Fill in every category, or leave them all blank."), f"category_{category.id}")
        by_name[category.name] = _check_number(given[category.id], f"category_{category.id}")
    if sum(by_name.values()) != total:
        raise ValidationFailed(N_("The categories add up to %(sum)d, but the total is %(total)d."), "total",
                               sum=sum(by_name.values()), total=total)
    return by_name


def _tallies(tallies: list[AttendanceCategory], given: Mapping[int, int], total: int) -> dict[str, int]:
    counted: dict[str, int] = {}
    for category in tallies:
        if category.id in given:
            n = _check_number(given[category.id], f"category_{category.id}")
            if n > total:
                raise ValidationFailed(N_("%(name)s cannot be more than the total of %(total)d."),
                                       f"category_{category.id}", name=category.name, total=total)
            counted[category.name] = n
    return counted


def accept_door_count(occurrence: Occurrence, *, user: Any, now: datetime,
                      confirm_over_capacity: bool = False) -> AttendanceRecord:
    """Make the live door count the occurrence's record (method: door counter)."""
    state = door_state(occurrence.id)
    breakdown: dict[int, int | None] = {k: v for k, v in state.categories.items()
                                        if k != NO_CATEGORY and k not in state.tally_ids}
    if state.categories.get(NO_CATEGORY):
        breakdown = {}  # counted without splitting categories: no breakdown to keep
    breakdown.update({k: v for k, v in state.categories.items() if k in state.tally_ids})
    record = get_record(occurrence.id)
    note = record.note if record else ""
    return record_attendance(occurrence, total=state.total, breakdown=breakdown or None,
                             method=CountMethod.DOOR_COUNTER, note=note,
                             confirm_over_capacity=confirm_over_capacity, user=user, now=now)


def revisions(record: AttendanceRecord) -> list[AttendanceRevision]:
    """The saved revisions of an attendance record, newest first."""
    return list(db.session.scalars(
        sa.select(AttendanceRevision).where(AttendanceRevision.record_id == record.id)
        .order_by(AttendanceRevision.id.desc())
    ))


# --- door links -----------------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=DOOR_LINK_SALT)


def door_link_token(link: DoorLink) -> str:
    """The signed token that identifies a door-counter link in its URL."""
    return str(_serializer().dumps([link.id, link.nonce]))


def door_link_url(link: DoorLink) -> str:
    """The absolute URL of a door-counter link, built from BASE_URL."""
    return absolute_url("attendance.door", token=door_link_token(link))


def door_link_window(occurrence: Occurrence) -> tuple[datetime, datetime]:
    """From the start of the occurrence's local day until some hours after its end."""
    tz = occurrence.series.timezone
    day_start, _next = local_day_bounds(local_date(occurrence.start_at, tz), tz)
    grace = timedelta(hours=float(current_app.config["DOOR_LINK_GRACE_HOURS"]))
    return day_start, occurrence.end_at + grace


def create_door_link(occurrence: Occurrence, *, user: Any, now: datetime) -> DoorLink:
    """A new door-counter link for an occurrence, valid on its day until the grace period after it ends."""
    if occurrence.is_cancelled:
        raise ValidationFailed(N_("This occurrence was cancelled; there is nothing to count."))
    valid_from, expires_at = door_link_window(occurrence)
    if expires_at <= now:
        raise ValidationFailed(N_("This occurrence is over; a counting link would no longer work."))
    link = DoorLink(occurrence_id=occurrence.id, nonce=secrets.token_hex(16), created_by_id=getattr(user, "id", None),
                    created_at=now, valid_from=valid_from, expires_at=expires_at)
    db.session.add(link)
    db.session.flush()
    for category_id in _count_keys(series_categories(occurrence.series_id)):
        _ensure_count_row(occurrence.id, category_id)
    return link


def revoke_door_link(link: DoorLink, *, now: datetime) -> None:
    """Switch a door-counter link off (idempotent)."""
    if link.revoked_at is None:
        link.revoked_at = now


def door_links(occurrence_id: int) -> list[DoorLink]:
    """The door-counter links of an occurrence, newest first."""
    return list(db.session.scalars(
        sa.select(DoorLink).where(DoorLink.occurrence_id == occurrence_id).order_by(DoorLink.id.desc())))


def load_door_link(token: str) -> DoorLink:
    """The link a token names (404 for anything forged or unknown)."""
    try:
        link_id, nonce = _serializer().loads(token)
        link_id = int(link_id)
    except (BadSignature, ValueError, TypeError):
        raise NotFound(N_("This counting link is not valid. Ask the organiser for a new one.")) from None
    # One query for the link, its occurrence and series (every tap needs all three).
    link = get_by_id(DoorLink, link_id, sa.orm.joinedload(DoorLink.occurrence).joinedload(Occurrence.series))
    if link is None or not hmac.compare_digest(str(nonce), link.nonce):
        raise NotFound(N_("This counting link is not valid. Ask the organiser for a new one."))
    return link


def check_door_link(link: DoorLink, *, now: datetime) -> None:
    """Raise Gone or NotYetOpen unless the door-counter link may be used now."""
    if link.revoked_at is not None:
        raise Gone(N_("This counting link has been switched off by the organiser."))
    if now >= link.expires_at:
        raise Gone(N_("This counting link has expired: counting closed a few hours after the event ended."))
    if link.occurrence.is_cancelled:
        raise Gone(N_("This event was cancelled, so there is nothing to count."))
    if now < link.valid_from:
        raise NotYetOpen(N_("This counting link opens on the day of the event."))


@dataclass
class DoorState:
    """The live door count. ``categories`` holds every counted category (tallies too); the total
    is the sum of the split categories (or the direct count), never of the tallies."""

    categories: dict[int, int] = field(default_factory=dict)
    tally_ids: frozenset[int] = frozenset()
    is_applied: bool = True
    is_duplicate: bool = False

    @property
    def total(self) -> int:
        return sum(n for k, n in self.categories.items() if k not in self.tally_ids)

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "categories": {str(k): v for k, v in self.categories.items() if k != NO_CATEGORY},
            "applied": self.is_applied,
            "duplicate": self.is_duplicate,
        }


def door_state(occurrence_id: int) -> DoorState:
    """The door counter's current numbers per category of an occurrence, and which categories are tallies."""
    rows = db.session.execute(
        sa.select(DoorCount.category_id, DoorCount.n, AttendanceCategory.kind)
        .outerjoin(AttendanceCategory, AttendanceCategory.id == DoorCount.category_id)
        .where(DoorCount.occurrence_id == occurrence_id)
    ).all()
    return DoorState(categories={row.category_id: row.n for row in rows},
                     tally_ids=frozenset(row.category_id for row in rows if row.kind == CategoryKind.TALLY))


def _count_keys(categories: list[AttendanceCategory]) -> list[int]:
    """The door's counters: one per split category (or the direct total when none), then the tallies."""
    splits = [c.id for c in categories if not c.is_tally] or [NO_CATEGORY]
    return splits + [c.id for c in categories if c.is_tally]


def _insert_ignore(table: sa.Table, values: dict[str, Any]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING (SQLite and PostgreSQL); returns the rows inserted."""
    return insert_ignoring_conflicts(table, [values])


def _ensure_count_row(occurrence_id: int, category_id: int) -> None:
    _insert_ignore(DoorCount.__table__, {"occurrence_id": occurrence_id, "category_id": category_id, "n": 0})


def _add_to_count(occurrence_id: int, category_id: int, delta: int) -> int | None:
    """The one atomic change of a count; returns the new value, or None if refused (or no row)."""
    return db.session.execute(
        sa.update(DoorCount)
        .where(DoorCount.occurrence_id == occurrence_id, DoorCount.category_id == category_id,
               DoorCount.n + delta >= 0)
        .values(n=DoorCount.n + delta)
        .returning(DoorCount.n)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()


def apply_tap(link: DoorLink, *, delta: int, category_id: int | None, tap_id: str, now: datetime) -> DoorState:
    """Count one tap atomically. The tap row goes in first: if its tap_id exists this is a retry,
    and the current state is returned without counting again. The count never goes below zero."""
    check_door_link(link, now=now)
    occurrence_id = link.occurrence_id
    categories = series_categories(link.occurrence.series_id)
    keys = _count_keys(categories)
    if category_id is None and NO_CATEGORY in keys:
        category_id = NO_CATEGORY
    if keys == [NO_CATEGORY] and category_id != NO_CATEGORY:
        raise ValidationFailed(N_("This event has no categories."), "category")
    if category_id not in keys:
        raise ValidationFailed(N_("Choose one of the event's categories."), "category")
    inserted = _insert_ignore(DoorTap.__table__, {
        "tap_id": tap_id, "door_link_id": link.id, "category_id": category_id, "delta": delta,
        "is_applied": True, "created_at": now,
    })
    if not inserted:
        state = door_state(occurrence_id)
        state.is_duplicate = True
        return state
    # Read the other categories first, so the row lock the UPDATE takes is held only until the commit.
    before = door_state(occurrence_id)
    others = {k: v for k, v in before.categories.items() if k != category_id}
    value = _add_to_count(occurrence_id, category_id, delta)
    if value is None and delta > 0:
        _ensure_count_row(occurrence_id, category_id)
        value = _add_to_count(occurrence_id, category_id, delta)
    applied = value is not None
    if value is None:
        db.session.execute(sa.update(DoorTap).where(DoorTap.tap_id == tap_id).values(is_applied=False))
        value = door_state(occurrence_id).categories.get(category_id, 0)
    tally_ids = frozenset(c.id for c in categories if c.is_tally) | before.tally_ids
    return DoorState(categories={**others, category_id: value}, tally_ids=tally_ids, is_applied=applied)


# --- missing counts (used by the reminders domain) ------------------------------------------------

def occurrences_missing_count(*, now: datetime, ended_before: datetime | None = None,
                              organisation_ids: Collection[int] | None = None,
                              limit: int | None = None, newest_first: bool = False) -> list[Occurrence]:
    """Occurrences of published series that ended before ``ended_before or now``, are not cancelled
    and have no attendance record, oldest first (or newest first, so a limit keeps the recent ones).
    ``organisation_ids`` keeps those organised or co-organised by one of them."""
    cutoff = ended_before or now
    query = (
        sa.select(Occurrence)
        .join(Occurrence.series)
        .outerjoin(AttendanceRecord, AttendanceRecord.occurrence_id == Occurrence.id)
        .where(
            Occurrence.takes_place_clause(),
            Occurrence.end_at < cutoff,
            AttendanceRecord.id.is_(None),
        )
        .options(sa.orm.contains_eager(Occurrence.series).joinedload(EventSeries.organisation))
        .order_by(*((Occurrence.start_at.desc(), Occurrence.id.desc()) if newest_first
                    else (Occurrence.start_at, Occurrence.id)))
    )
    if organisation_ids is not None:
        ids = list(organisation_ids)
        coorganised = sa.select(series_coorganiser.c.series_id).where(series_coorganiser.c.organisation_id.in_(ids),
                                                                      coorganiser_accepted_clause())
        query = query.where(sa.or_(EventSeries.organisation_id.in_(ids), EventSeries.id.in_(coorganised)))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))
