"""Event series and occurrences: creation, edits, exceptions and the rolling horizon.

Services take plain arguments (including ``now``) and raise domain errors; they never commit:
the request (or CLI command) that called them owns the transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ink.core import signals
from ink.core.errors import N_, NP_, NotFound, ValidationFailed
from ink.core.html import sanitise_html
from ink.core.time import local_to_utc, utc_to_local
from ink.events import consent, recurrence
from ink.events.models import (
    Audience,
    EventSeries,
    Occurrence,
    OccurrenceStatus,
    SeriesAudience,
    SeriesLanguage,
    SeriesStatus,
    Venue,
)
from ink.events.recurrence import Recurrence, RecurrenceError
from ink.extensions import db, network_timezone
from ink.jobs import source as registered_source
from ink.organisations.models import Organisation, Topic
from ink.organisations.service import unique_slug
from ink.organisations.text_versions import check_original_language

DEFAULT_HORIZON = timedelta(days=730)
MAX_ALL_DAY_DAYS = 31
MAX_DURATION_MINUTES = 24 * 60


@dataclass
class SeriesData:
    """Everything a coordinator or editor sets on a series (the form's cleaned data)."""

    title: str
    organisation: Organisation
    start_local: datetime
    recurrence: Recurrence = field(default_factory=Recurrence)
    duration_minutes: int | None = 120
    is_all_day: bool = False
    all_day_days: int = 1
    timezone: str = field(default_factory=network_timezone)
    description_html: str = ""
    coorganisers: list[Organisation] = field(default_factory=list)
    venue: Venue | None = None
    topics: list[Topic] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    audiences: list[Audience] = field(default_factory=list)
    audience_note: str = ""
    age_min: int | None = None
    age_max: int | None = None
    is_drop_in: bool = False
    registration_url: str | None = None
    # Co-organisers the person saving may accept for (a coordinator: all; an editor: their own
    # organisations): named now, they are accepted at once; any other one named now is asked first.
    consenting: frozenset[int] = frozenset()
    # Who is saving (recorded as the one who accepted for ``consenting``), when signed in.
    saved_by_id: int | None = None
    # The language title, description and note are written in; None keeps the stored one (new: the default).
    original_language: str | None = None


# Fields whose change moves instances in time: they raise SEQUENCE and regenerate the future.
_SCHEDULE_FIELDS = ("start_local", "duration_minutes", "is_all_day", "all_day_days", "timezone", "rrule")


def validate_series_data(data: SeriesData) -> None:
    """Raise ValidationFailed (naming the field) for series data that cannot be saved."""
    if not data.title.strip():
        raise ValidationFailed(N_("A title is required."), "title")
    if data.is_all_day:
        if not 1 <= data.all_day_days <= MAX_ALL_DAY_DAYS:
            raise ValidationFailed(NP_("An all-day event lasts 1 to %(max)s day.", "An all-day event lasts 1 to %(max)s days.", "max"), "all_day_days", max=MAX_ALL_DAY_DAYS)
    elif data.duration_minutes is None or not 1 <= data.duration_minutes <= MAX_DURATION_MINUTES:
        raise ValidationFailed(N_("The end must be after the start, within 24 hours."), "end_time")
    if data.age_min is not None and data.age_max is not None and data.age_min > data.age_max:
        raise ValidationFailed(N_("The lowest age must not be above the highest."), "age_max")
    if data.organisation in data.coorganisers:
        raise ValidationFailed(N_("The organiser cannot also be a co-organiser."), "coorganisers")
    try:
        recurrence.validate(data.recurrence, data.start_local)
    except RecurrenceError as error:
        raise ValidationFailed(error.message, error.field, **error.params) from error


def create_series(data: SeriesData, *, now: datetime, horizon: timedelta = DEFAULT_HORIZON,
                  status: SeriesStatus = SeriesStatus.DRAFT) -> EventSeries:
    """A new series (a draft unless told) with its occurrences materialised up to the horizon."""
    validate_series_data(data)
    series = EventSeries(created_at=now, updated_at=now, status=status, sequence=0)
    _apply(series, data)
    db.session.add(series)
    db.session.flush()
    consent.settle_named(series, set(), data.consenting, by_id=data.saved_by_id, now=now)
    materialise(series, since=None, until=now + horizon)
    signals.series_changed.send(series, now=now)
    return series


def update_series(series: EventSeries, data: SeriesData, *, now: datetime,
                  horizon: timedelta = DEFAULT_HORIZON) -> EventSeries:
    """Apply an edit. Past occurrences and their exceptions stay; the future follows the new rule."""
    validate_series_data(data)
    check_source_owned(series, data)
    before = {name: getattr(series, name) for name in _SCHEDULE_FIELDS}
    named_before = {organisation.id for organisation in series.coorganisers}
    _apply(series, data)
    consent.settle_named(series, named_before, data.consenting, by_id=data.saved_by_id, now=now)
    schedule_changed = any(getattr(series, name) != value for name, value in before.items())
    series.updated_at = now
    if schedule_changed:
        series.sequence += 1
        regenerate_future(series, now=now, until=now + horizon)
    signals.series_changed.send(series, now=now)
    return series


# Fields an imported series' calendar owns (ink.sources), and the form field named when one is changed.
SOURCE_OWNED_FIELDS = (("title", "title"), ("description_html", "description"), ("start_local", "date"),
                       ("timezone", "date"), ("is_all_day", "is_all_day"), ("all_day_days", "all_day_days"),
                       ("duration_minutes", "end_time"), ("rrule", "freq"))
# The registered function (ink/jobs.py) naming the calendar a series is imported from, if any.
SERIES_OWNER = "series-owner"


def series_owner(series: EventSeries) -> str | None:
    """The name of the calendar source the series is imported from (its owned fields are read-only)."""
    owner = registered_source(current_app, SERIES_OWNER)
    return owner(series) if owner is not None else None


SOURCE_OWNED_MESSAGE = N_("This comes from the calendar %(name)s and can only be changed there.")


def check_date_owned(occ: Occurrence, *, start_at: datetime | None = None, end_at: datetime | None = None) -> None:
    """An imported series' dates are its calendar's: ValidationFailed (field ``date``) when an editor would
    cancel or restore one (no times given) or give it other times. Its venue and note stay the network's."""
    name = series_owner(occ.series)
    if name is None:
        return
    if start_at is None or (start_at, end_at) != (occ.start_at, occ.end_at):
        raise ValidationFailed(SOURCE_OWNED_MESSAGE, "date", name=name)


def check_status_owned(series: EventSeries) -> None:
    """Whether an imported series is cancelled is its calendar's (a changed sync would undo it here):
    ValidationFailed (field ``status``). Publishing and unpublishing stay the network's."""
    name = series_owner(series)
    if name is not None:
        raise ValidationFailed(SOURCE_OWNED_MESSAGE, "status", name=name)


def _comparable_text(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


def check_source_owned(series: EventSeries, data: SeriesData) -> None:
    """ValidationFailed (naming the field) when ``data`` changes a field the series' calendar source owns."""
    name = series_owner(series)
    if name is None:
        return
    wanted = {"title": data.title.strip(), "description_html": sanitise_html(data.description_html),
              **stored_schedule(data)}
    for column, form_field in SOURCE_OWNED_FIELDS:
        if _comparable_text(wanted[column]) != _comparable_text(getattr(series, column)):
            raise ValidationFailed(SOURCE_OWNED_MESSAGE, form_field, name=name)


def _apply(series: EventSeries, data: SeriesData) -> None:
    if data.original_language:
        check_original_language(series, data.original_language)
        series.original_language = data.original_language
    series.title = data.title.strip()
    series.description_html = sanitise_html(data.description_html)
    series.organisation = data.organisation
    series.coorganisers = list(data.coorganisers)
    series.venue = data.venue
    series.topics = list(data.topics)
    _set_languages(series, data.languages)
    _set_audiences(series, data.audiences)
    series.audience_note = data.audience_note.strip()
    series.age_min = data.age_min
    series.age_max = data.age_max
    series.is_drop_in = data.is_drop_in
    series.registration_url = data.registration_url or None
    for name, value in stored_schedule(data).items():
        setattr(series, name, value)


def stored_schedule(data: SeriesData) -> dict[str, Any]:
    """The schedule columns (_SCHEDULE_FIELDS and is_all_day) a series saved from ``data`` would hold."""
    start_local = (
        data.start_local.replace(hour=0, minute=0, second=0, microsecond=0)
        if data.is_all_day else data.start_local.replace(second=0, microsecond=0)
    )
    return {
        "is_all_day": data.is_all_day,
        "all_day_days": data.all_day_days if data.is_all_day else 1,
        "start_local": start_local,
        "duration_minutes": None if data.is_all_day else data.duration_minutes,
        "timezone": data.timezone,
        "rrule": recurrence.to_rrule(data.recurrence, start_local, data.timezone, all_day=data.is_all_day),
    }


def series_data_of(series: EventSeries, *, rule: Recurrence | None = None) -> SeriesData:
    """A stored series as SeriesData (what its edit form would send unchanged), with ``rule`` instead of its
    own if given; RecurrenceError for a stored rule the form model cannot express."""
    return SeriesData(
        title=series.title, organisation=series.organisation, start_local=series.start_local,
        recurrence=rule if rule is not None else series_recurrence(series), duration_minutes=series.duration_minutes,
        is_all_day=series.is_all_day, all_day_days=series.all_day_days, timezone=series.timezone,
        description_html=series.description_html, coorganisers=list(series.coorganisers), venue=series.venue,
        topics=list(series.topics), languages=series.languages, audiences=series.audiences,
        audience_note=series.audience_note, age_min=series.age_min, age_max=series.age_max,
        is_drop_in=series.is_drop_in, registration_url=series.registration_url,
    )


def _set_languages(series: EventSeries, codes: list[str]) -> None:
    wanted = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    existing = {row.code: row for row in series.language_rows}
    series.language_rows = [existing.get(code) or SeriesLanguage(code=code) for code in wanted]


def _set_audiences(series: EventSeries, audiences: list[Audience]) -> None:
    existing = {row.audience: row for row in series.audience_rows}
    series.audience_rows = [existing.get(audience) or SeriesAudience(audience=audience)
                            for audience in dict.fromkeys(Audience(value) for value in audiences)]


def series_recurrence(series: EventSeries) -> Recurrence:
    """The series' recurrence rule as a pure Recurrence in its time zone."""
    return recurrence.from_rrule(series.rrule, series.start_local, series.timezone)


def expand_series(series: EventSeries, window_start: datetime, window_end: datetime) -> list[datetime]:
    """UTC start instants the series' rule gives in [window_start, window_end)."""
    return recurrence.expand(
        series.rrule, series.start_local, series.timezone, window_start, window_end,
        all_day=series.is_all_day, limit=100_000,
    )


def _new_occurrence(series: EventSeries, start_at: datetime) -> Occurrence:
    return Occurrence(
        series=series, original_start_at=start_at, start_at=start_at,
        end_at=default_end(series, start_at), status=OccurrenceStatus.SCHEDULED,
    )


def default_end(series: EventSeries, start_at: datetime) -> datetime:
    """End instant of an instance: wall-clock duration for all-day spans, elapsed time otherwise."""
    if series.is_all_day:
        local_start = utc_to_local(start_at, series.timezone)
        return local_to_utc(local_start + timedelta(days=series.all_day_days), series.timezone)
    return start_at + series.duration


def materialise(series: EventSeries, *, since: datetime | None, until: datetime) -> int:
    """Create the missing occurrences in [since, until); returns how many were added."""
    window_start = since or series.start_at
    if window_start >= until:
        series.materialised_until = max(series.materialised_until or until, until)
        return 0
    existing = set(
        db.session.scalars(
            sa.select(Occurrence.original_start_at).where(
                Occurrence.series_id == series.id,
                Occurrence.original_start_at >= window_start,
                Occurrence.original_start_at < until,
            )
        )
    )
    added = [
        _new_occurrence(series, start_at)
        for start_at in expand_series(series, window_start, until)
        if start_at not in existing
    ]
    db.session.add_all(added)
    series.materialised_until = until
    return len(added)


def regenerate_future(series: EventSeries, *, now: datetime, until: datetime) -> None:
    """Re-expand the rule from ``now``: keep matching occurrences, add new ones, drop stale ones.

    Occurrences that began before ``now`` are never touched. An exception (cancelled, moved,
    other venue, note) on a dropped future date is carried to the new instance on the same local date.
    """
    future = {
        occ.original_start_at: occ
        for occ in db.session.scalars(
            sa.select(Occurrence).where(Occurrence.series_id == series.id, Occurrence.original_start_at >= now)
        )
    }
    wanted = expand_series(series, now, until)
    stale = [occ for start_at, occ in future.items() if start_at not in set(wanted)]
    stale_by_date = {
        utc_to_local(occ.original_start_at, series.timezone).date(): occ for occ in stale if occ.has_exception
    }
    for start_at in wanted:
        occ = future.get(start_at)
        if occ is None:
            occ = _new_occurrence(series, start_at)
            db.session.add(occ)
            previous = stale_by_date.get(utc_to_local(start_at, series.timezone).date())
            if previous is not None:
                _carry_exception(previous, occ)
        elif not occ.is_moved:
            occ.end_at = default_end(series, start_at)
    if stale:
        signals.occurrences_removing.send(series, occurrences=stale, now=now)
        for occ in stale:
            db.session.delete(occ)
    series.materialised_until = until


def _carry_exception(source: Occurrence, target: Occurrence) -> None:
    target.status = source.status
    target.cancel_reason = source.cancel_reason
    target.venue_id = source.venue_id
    target.note = source.note
    if source.is_moved:
        target.start_at, target.end_at, target.is_moved = source.start_at, source.end_at, True


def extend_horizon(*, now: datetime, horizon: timedelta = DEFAULT_HORIZON) -> int:
    """Materialise every live recurring series up to now + horizon. Idempotent; returns rows added."""
    until = now + horizon
    added = 0
    for series in db.session.scalars(
        sa.select(EventSeries).where(
            EventSeries.rrule.is_not(None),
            EventSeries.status != SeriesStatus.CANCELLED,
            sa.or_(EventSeries.materialised_until.is_(None), EventSeries.materialised_until < until),
        )
    ):
        added += materialise(series, since=series.materialised_until, until=until)
    return added


# --- status of a whole series -------------------------------------------------------------------

def publish_series(series: EventSeries, *, now: datetime) -> None:
    """Make the series public (also restores a cancelled one)."""
    _set_series_status(series, SeriesStatus.PUBLISHED, now=now)


def unpublish_series(series: EventSeries, *, now: datetime) -> None:
    """Turn the series back into a draft only organisers see."""
    _set_series_status(series, SeriesStatus.DRAFT, now=now)


def cancel_series(series: EventSeries, *, reason: str, now: datetime) -> None:
    """Cancel the whole series with a reason shown to residents."""
    series.cancel_reason = reason.strip()
    _set_series_status(series, SeriesStatus.CANCELLED, now=now)


def _set_series_status(series: EventSeries, status: SeriesStatus, *, now: datetime) -> None:
    if series.status == status:
        return
    if series.is_cancelled:
        series.cancel_reason = ""
    series.status = status
    series.sequence += 1
    series.updated_at = now
    signals.series_changed.send(series, now=now)


# --- exceptions on one occurrence ---------------------------------------------------------------

def cancel_occurrence(occ: Occurrence, *, reason: str, now: datetime) -> None:
    """Cancel one occurrence with a reason (idempotent); listeners hear of it."""
    if occ.is_cancelled:
        return
    occ.status = OccurrenceStatus.CANCELLED
    occ.cancel_reason = reason.strip()[:300]
    _touch(occ, now)
    signals.occurrence_cancelled.send(occ, now=now)


def restore_occurrence(occ: Occurrence, *, now: datetime) -> None:
    """Let a cancelled occurrence take place again (idempotent); listeners hear of it."""
    if not occ.is_cancelled:
        return
    occ.status = OccurrenceStatus.SCHEDULED
    occ.cancel_reason = ""
    _touch(occ, now)
    signals.occurrence_restored.send(occ, now=now)


def move_occurrence(occ: Occurrence, *, start_at: datetime, end_at: datetime, venue: Venue | None,
                    note: str, now: datetime) -> None:
    """Give one occurrence another time and/or venue. Its RECURRENCE-ID (original start) stays."""
    check_move(start_at, end_at)
    previous_start_at, previous_end_at = occ.start_at, occ.end_at
    occ.start_at, occ.end_at = start_at, end_at
    occ.is_moved = (start_at, end_at) != (occ.original_start_at, default_end(occ.series, occ.original_start_at))
    occ.venue_id = venue.id if venue is not None and venue.id != occ.series.venue_id else None
    occ.note = note.strip()[:1000]
    _touch(occ, now)
    if (previous_start_at, previous_end_at) != (start_at, end_at) or venue is not None:
        signals.occurrence_moved.send(
            occ, now=now, previous_start_at=previous_start_at, previous_end_at=previous_end_at
        )


def check_move(start_at: datetime, end_at: datetime) -> None:
    """Raise ValidationFailed for new times an occurrence cannot be given."""
    if end_at <= start_at:
        raise ValidationFailed(N_("The end must be after the start."), "end_time")
    if end_at - start_at > timedelta(days=MAX_ALL_DAY_DAYS):
        raise ValidationFailed(N_("An occurrence cannot last that long."), "end_time")


def _touch(occ: Occurrence, now: datetime) -> None:
    occ.updated_at = now
    occ.series.updated_at = now
    occ.series.sequence += 1


# --- queries ------------------------------------------------------------------------------------

def get_series(series_id: int) -> EventSeries:
    """The series with this id; NotFound if there is none."""
    series = db.session.get(EventSeries, series_id)
    if series is None:
        raise NotFound(N_("No such event."))
    return series


def get_occurrence(series: EventSeries, occurrence_id: int) -> Occurrence:
    """The occurrence with this id in this series; NotFound otherwise."""
    occ = db.session.get(Occurrence, occurrence_id)
    if occ is None or occ.series_id != series.id:
        raise NotFound(N_("No such occurrence."))
    return occ


def occurrences_between(start: datetime, end: datetime, *, published_only: bool = True,
                        series_ids: list[int] | None = None) -> list[Occurrence]:
    """Occurrences (live and cancelled) whose effective time overlaps [start, end), soonest first;
    with ``published_only``, only those of series the public may see."""
    query = (
        sa.select(Occurrence)
        .join(Occurrence.series)
        .where(Occurrence.start_at < end, Occurrence.end_at > start)
        .options(sa.orm.contains_eager(Occurrence.series))
        .order_by(Occurrence.start_at, EventSeries.title)
    )
    if published_only:
        query = query.where(EventSeries.public_clause())
    if series_ids is not None:
        query = query.where(Occurrence.series_id.in_(series_ids))
    return list(db.session.scalars(query))


def upcoming_occurrences(series: EventSeries, *, now: datetime, limit: int = 10) -> list[Occurrence]:
    """The series' next occurrences (not yet ended), live and cancelled, soonest first."""
    return list(
        db.session.scalars(
            sa.select(Occurrence)
            .where(Occurrence.series_id == series.id, Occurrence.end_at > now)
            .options(sa.orm.joinedload(Occurrence.venue_override))
            .order_by(Occurrence.start_at)
            .limit(limit)
        )
    )


def series_query(*, organisation_ids: set[int] | None = None, organisation_id: int | None = None,
                 status: SeriesStatus | None = None) -> sa.Select[tuple[EventSeries]]:
    """Series for the manage lists, most recently changed first.

    ``organisation_ids`` limits to series organised by those organisations (an editor's);
    None means no limit (a coordinator).
    """
    query = sa.select(EventSeries).order_by(EventSeries.updated_at.desc(), EventSeries.id.desc())
    if organisation_ids is not None:
        query = query.where(EventSeries.organisation_id.in_(organisation_ids))
    if organisation_id is not None:
        query = query.where(EventSeries.organisation_id == organisation_id)
    if status is not None:
        query = query.where(EventSeries.status == status)
    return query


def occurrences_query(series: EventSeries, *, now: datetime, past: bool) -> sa.Select[tuple[Occurrence]]:
    """A series' upcoming occurrences (soonest first) or past ones (latest first)."""
    query = sa.select(Occurrence).where(Occurrence.series_id == series.id)
    if past:
        return query.where(Occurrence.end_at <= now).order_by(Occurrence.start_at.desc())
    return query.where(Occurrence.end_at > now).order_by(Occurrence.start_at)


def get_occurrence_by_id(occurrence_id: int) -> Occurrence:
    """The occurrence with this id in any series; NotFound if there is none."""
    occ = db.session.get(Occurrence, occurrence_id)
    if occ is None:
        raise NotFound(N_("No such occurrence."))
    return occ


# --- venues -------------------------------------------------------------------------------------

@dataclass
class VenueData:
    name: str
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    accessibility: str = ""
    capacity: int | None = None
    original_language: str | None = None  # of the accessibility notes; None keeps the stored one


def _check_venue(data: VenueData) -> None:
    if not data.name.strip():
        raise ValidationFailed(N_("A name is required."), "name")
    if (data.latitude is None) != (data.longitude is None):
        raise ValidationFailed(N_("Give both latitude and longitude, or neither."), "longitude")
    if data.latitude is not None and not -90 <= data.latitude <= 90:
        raise ValidationFailed(N_("Latitude must be between -90 and 90."), "latitude")
    if data.longitude is not None and not -180 <= data.longitude <= 180:
        raise ValidationFailed(N_("Longitude must be between -180 and 180."), "longitude")
    if data.capacity is not None and data.capacity < 0:
        raise ValidationFailed(N_("Capacity cannot be negative."), "capacity")


def create_venue(data: VenueData) -> Venue:
    """A new venue with a unique slug; ValidationFailed for bad data."""
    _check_venue(data)
    venue = Venue(slug=unique_slug(Venue, data.name))
    _apply_venue(venue, data)
    db.session.add(venue)
    db.session.flush()
    return venue


def update_venue(venue: Venue, data: VenueData) -> Venue:
    """Change a venue's details; ValidationFailed for bad data."""
    _check_venue(data)
    _apply_venue(venue, data)
    return venue


def _apply_venue(venue: Venue, data: VenueData) -> None:
    if data.original_language:
        check_original_language(venue, data.original_language)
        venue.original_language = data.original_language
    venue.name = data.name.strip()
    venue.address = data.address.strip()
    venue.latitude = data.latitude
    venue.longitude = data.longitude
    venue.accessibility = data.accessibility.strip()
    venue.capacity = data.capacity


def all_venues() -> list[Venue]:
    """Every venue, by name."""
    return list(db.session.scalars(sa.select(Venue).order_by(Venue.name)))


def get_venue(venue_id: int) -> Venue:
    """The venue with this id; NotFound if there is none."""
    venue = db.session.get(Venue, venue_id)
    if venue is None:
        raise NotFound(N_("No such venue."))
    return venue
