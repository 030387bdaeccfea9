"""Moderation: a reviewed organisation's publishing, and its changes to what the public sees, wait for a coordinator.

An organisation is *trusted* (its editors publish directly) or *reviewed* (``Organisation.moderation``).
For an editor of a reviewed organisation (never for a coordinator):

- **publish** of a draft creates a pending ``ModerationRequest`` (kind publish); the series stays a draft,
  so nothing is public until a coordinator approves;
- an edit of a published (or cancelled) series that changes a *held* field (title, description, time,
  rule, venue: ``HELD_FIELDS``) stores the proposed values of those fields in a pending request (kind
  change) and leaves them as they are on the series row, so the public keeps the approved version; the
  edit's other fields (topics, audiences, languages, co-organisers, ages, registration link…) are applied
  at once, since they change neither when nor where anything happens nor what it is called;
- moving a date of a published series (another time or venue) creates a pending request (kind move);
- adding or changing a version of a published series' texts in another language creates a pending
  request (kind text: the language and the proposed texts); the public keeps the approved version (or
  the original, for a new one) until a coordinator approves. Removing a version is never held (it only
  takes a translation away: readers get the original, which was approved) and withdraws a waiting one.

A new request of the same kind (for a move: of the same date) replaces the pending one; an edit that
leaves the held fields as the public sees them takes the pending change back. Cancelling a date or a whole
event is never held. Approval applies the request through the normal services (``update_series``,
``publish_series``, ``move_occurrence``), so occurrences regenerate, SEQUENCE rises and residents get the
usual notices; returning it keeps the public version and tells the organisation's editors the comment.

Services take plain arguments and never commit; the request that called them owns the transaction.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ink.auth.models import User
from ink.core.errors import N_, Conflict, NotFound, ValidationFailed
from ink.core.html import sanitise_html
from ink.events import recurrence
from ink.events.models import (
    EventSeries,
    ModerationKind,
    ModerationRequest,
    ModerationStatus,
    Occurrence,
    SeriesTextVersion,
    Venue,
)
from ink.events.service import (
    SeriesData,
    check_date_owned,
    check_move,
    check_source_owned,
    move_occurrence,
    publish_series,
    series_data_of,
    stored_schedule,
    update_series,
    validate_series_data,
)
from ink.extensions import db
from ink.notices import queue_notice
from ink.organisations.access import is_coordinator
from ink.organisations import text_versions
from ink.organisations.models import Membership, Organisation

# The series' fields whose change waits for review (schedule columns as ink.events.service stores them).
HELD_FIELDS = ("title", "description_html", "is_all_day", "all_day_days", "start_local", "duration_minutes",
               "timezone", "rrule", "venue_id")
RETURNED_NOTICE = "moderation-returned"
APPROVED_NOTICE = "moderation-approved"
COMMENT_MAX = 2000


# --- who is held -------------------------------------------------------------------------------------------

def is_held(user: Any, series: EventSeries, organisation: Organisation | None = None) -> bool:
    """Whether this user's publish or public changes of the series wait for review: an editor (not a
    coordinator) of a reviewed organisation (the series' organisation or the one an edit moves it to)."""
    if is_coordinator(user):
        return False
    return series.organisation.is_reviewed or (organisation is not None and organisation.is_reviewed)


def _is_shown(series: EventSeries) -> bool:
    return series.is_published or series.is_cancelled


# --- the held values -----------------------------------------------------------------------------------------

def held_values(data: SeriesData) -> dict[str, Any]:
    """The held fields a series saved from ``data`` would have, as JSON values."""
    schedule = stored_schedule(data)
    return {
        "title": data.title.strip(), "description_html": sanitise_html(data.description_html),
        **schedule, "start_local": schedule["start_local"].isoformat(),
        "venue_id": data.venue.id if data.venue is not None else None,
    }


def live_values(series: EventSeries) -> dict[str, Any]:
    """The held fields of the series as the public sees them, as JSON values."""
    values = {name: getattr(series, name) for name in HELD_FIELDS}
    values["start_local"] = series.start_local.isoformat()
    return values


def _data_with(data: SeriesData, values: dict[str, Any]) -> SeriesData:
    """``data`` with the held fields taken from ``values`` (held_values / live_values)."""
    start_local = datetime.fromisoformat(values["start_local"])
    venue = db.session.get(Venue, values["venue_id"]) if values["venue_id"] is not None else None
    return replace(
        data, title=values["title"], description_html=values["description_html"], start_local=start_local,
        recurrence=recurrence.from_rrule(values["rrule"], start_local, values["timezone"]),
        duration_minutes=values["duration_minutes"], is_all_day=values["is_all_day"],
        all_day_days=values["all_day_days"], timezone=values["timezone"], venue=venue,
    )


# --- asking ---------------------------------------------------------------------------------------------------

def _pending(series: EventSeries, kind: ModerationKind, occurrence: Occurrence | None = None) -> ModerationRequest | None:
    query = sa.select(ModerationRequest).where(
        ModerationRequest.series_id == series.id, ModerationRequest.kind == kind,
        ModerationRequest.status == ModerationStatus.PENDING)
    if occurrence is not None:
        query = query.where(ModerationRequest.occurrence_id == occurrence.id)
    return db.session.scalars(query.order_by(ModerationRequest.id.desc())).first()


def _submit(series: EventSeries, kind: ModerationKind, *, by: User | None, now: datetime, proposed: dict[str, Any],
            occurrence: Occurrence | None = None, source_name: str = "") -> ModerationRequest:
    previous = _pending(series, kind, occurrence)
    if previous is not None:
        previous.status = ModerationStatus.WITHDRAWN
    request = ModerationRequest(series=series, occurrence=occurrence, kind=kind, status=ModerationStatus.PENDING,
                                proposed=proposed, submitted_by_id=by.id if by is not None else None,
                                source_name=source_name[:200], submitted_at=now)
    db.session.add(request)
    db.session.flush()
    return request


def request_publish(series: EventSeries, *, by: User | None, now: datetime, source_name: str = "") -> ModerationRequest:
    """Ask the coordinators to publish a draft (the pending request, if one is already waiting). A system
    submission (a calendar source's sync) has no user (``by=None``) and names the source (``source_name``)."""
    return _pending(series, ModerationKind.PUBLISH) or _submit(
        series, ModerationKind.PUBLISH, by=by, now=now, proposed={}, source_name=source_name)


def save_series_edit(series: EventSeries, data: SeriesData, *, by: User, now: datetime) -> ModerationRequest | None:
    """Save an edit: at once when it is not held; otherwise apply the fields that are not held and keep
    the held ones as a pending change (returned), or take a pending change back when the edit leaves
    the held fields as the public sees them."""
    check_source_owned(series, data)
    if not (_is_shown(series) and is_held(by, series, data.organisation)):
        update_series(series, data, now=now)
        return None
    validate_series_data(data)
    proposed, live = held_values(data), live_values(series)
    update_series(series, _data_with(data, live), now=now)
    if proposed != live:
        return _submit(series, ModerationKind.CHANGE, by=by, now=now, proposed=proposed)
    pending = _pending(series, ModerationKind.CHANGE)
    if pending is not None:
        pending.status = ModerationStatus.WITHDRAWN
    return None


def save_occurrence_move(occ: Occurrence, *, start_at: datetime, end_at: datetime, venue: Venue | None, note: str,
                         by: User, now: datetime) -> ModerationRequest | None:
    """Move a date: at once unless held and it changes the time or venue the public sees; then a pending move.
    An imported series' times are its calendar's (ValidationFailed)."""
    check_move(start_at, end_at)
    check_date_owned(occ, start_at=start_at, end_at=end_at)
    series = occ.series
    new_venue_id = venue.id if venue is not None else series.venue_id
    current_venue_id = occ.venue.id if occ.venue is not None else None
    changes_public = (start_at, end_at) != (occ.start_at, occ.end_at) or new_venue_id != current_venue_id
    if not (changes_public and _is_shown(series) and is_held(by, series)):
        move_occurrence(occ, start_at=start_at, end_at=end_at, venue=venue, note=note, now=now)
        return None
    proposed = {"start_at": start_at.isoformat(), "end_at": end_at.isoformat(),
                "venue_id": venue.id if venue is not None else None, "note": note.strip()[:1000]}
    return _submit(series, ModerationKind.MOVE, by=by, now=now, proposed=proposed, occurrence=occ)


def text_version_is_held(user: Any, series: EventSeries) -> bool:
    """Whether this user's new or changed version of the series' texts waits for review."""
    return _is_shown(series) and is_held(user, series)


def _pending_texts(series: EventSeries, language: str | None = None) -> list[ModerationRequest]:
    requests = db.session.scalars(sa.select(ModerationRequest).where(
        ModerationRequest.series_id == series.id, ModerationRequest.kind == ModerationKind.TEXT,
        ModerationRequest.status == ModerationStatus.PENDING).order_by(ModerationRequest.id))
    return [request for request in requests if language is None or request.proposed.get("language") == language]


def pending_text_version(series: EventSeries, language: str) -> dict[str, Any] | None:
    """The texts proposed for the series' version in ``language`` and waiting for review, if any."""
    pending = _pending_texts(series, language)
    return dict(pending[-1].proposed) if pending else None


def propose_text_version(series: EventSeries, language: str, texts: dict[str, str], *, by: User,
                         now: datetime) -> ModerationRequest:
    """Hold a new or changed version (checked as if it were saved now); a waiting one in the same
    language is replaced. The series' versions stay as they are until approval."""
    cleaned = text_versions.clean_texts(series, texts)
    existing = {version.language for version in series.text_versions}
    if language not in existing and language not in text_versions.languages_to_add(series):
        raise ValidationFailed(N_("Choose a language that has no version yet and is not the original's."), "language")
    if not cleaned["title"]:
        raise ValidationFailed(N_("This text is required in a version."), "title")
    for previous in _pending_texts(series, language):
        previous.status = ModerationStatus.WITHDRAWN
    request = ModerationRequest(series=series, kind=ModerationKind.TEXT, status=ModerationStatus.PENDING,
                                proposed={"language": language, **cleaned}, submitted_by_id=by.id, submitted_at=now)
    db.session.add(request)
    db.session.flush()
    return request


def withdraw_text_version(series: EventSeries, language: str) -> None:
    """Take back what waits for the series' version in ``language`` (the version is being removed)."""
    for request in _pending_texts(series, language):
        request.status = ModerationStatus.WITHDRAWN


def _apply_text_version(series: EventSeries, proposed: dict[str, Any], *, now: datetime) -> None:
    language = proposed["language"]
    texts = {name: proposed.get(name, "") for name in series.TEXT_NAMES}
    for version in series.text_versions:
        if version.language == language:
            text_versions.update_text_version(series, version, texts, now=now)
            return
    text_versions.add_text_version(series, SeriesTextVersion, language, texts, now=now)


# --- deciding ---------------------------------------------------------------------------------------------------

def _require_pending(request: ModerationRequest) -> None:
    if not request.is_pending:
        raise Conflict(N_("This request was decided or replaced in the meantime."))


def approve_request(request: ModerationRequest, *, by: User, now: datetime) -> None:
    """Apply the request through the normal services and tell the organisation's editors."""
    _require_pending(request)
    series = request.series
    if request.is_publish:
        publish_series(series, now=now)
    elif request.is_change:
        proposed = request.proposed
        start_local = datetime.fromisoformat(proposed["start_local"])
        rule = recurrence.from_rrule(proposed["rrule"], start_local, proposed["timezone"])
        update_series(series, _data_with(series_data_of(series, rule=rule), proposed), now=now)
    elif request.is_text:
        _apply_text_version(series, request.proposed, now=now)
    elif request.occurrence is not None:
        proposed = request.proposed
        venue = db.session.get(Venue, proposed["venue_id"]) if proposed["venue_id"] is not None else None
        move_occurrence(request.occurrence, start_at=datetime.fromisoformat(proposed["start_at"]),
                        end_at=datetime.fromisoformat(proposed["end_at"]), venue=venue, note=proposed["note"],
                        now=now)
    _decide(request, ModerationStatus.APPROVED, by=by, now=now)
    _tell_editors(request, APPROVED_NOTICE, now=now)


def return_request(request: ModerationRequest, *, comment: str, by: User, now: datetime) -> None:
    """Return the request with a comment: nothing public changes; the organisation's editors are told."""
    _require_pending(request)
    comment = comment.strip()
    if not comment:
        raise ValidationFailed(N_("Write what the editor should change."), "comment")
    request.comment = comment[:COMMENT_MAX]
    _decide(request, ModerationStatus.RETURNED, by=by, now=now)
    _tell_editors(request, RETURNED_NOTICE, now=now)


def _decide(request: ModerationRequest, status: ModerationStatus, *, by: User, now: datetime) -> None:
    request.status = status
    request.decided_by_id = by.id
    request.decided_at = now


def _tell_editors(request: ModerationRequest, notice: str, *, now: datetime) -> None:
    editors = db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == request.series.organisation_id, User.is_active_account)
        .order_by(User.id)
    )
    for editor in editors:
        queue_notice(notice, ref=f"request:{request.id}", recipient=editor.email, locale=editor.locale, now=now,
                     payload={"request_id": request.id}, user_id=editor.id)


# --- queries ------------------------------------------------------------------------------------------------------

def get_request(request_id: int) -> ModerationRequest:
    """The moderation request with this id; NotFound if there is none."""
    request = db.session.get(ModerationRequest, request_id)
    if request is None:
        raise NotFound(N_("No such request."))
    return request


def pending_requests(*, organisation_ids: set[int] | None = None) -> list[ModerationRequest]:
    """Pending requests, oldest first; ``organisation_ids`` limits to those organisations' series (an editor's)."""
    query = (sa.select(ModerationRequest).join(ModerationRequest.series)
             .where(ModerationRequest.status == ModerationStatus.PENDING)
             .order_by(ModerationRequest.submitted_at, ModerationRequest.id))
    if organisation_ids is not None:
        query = query.where(EventSeries.organisation_id.in_(organisation_ids))
    return list(db.session.scalars(query))


def pending_count(*, organisation_ids: set[int] | None = None) -> int:
    """How many requests wait for a coordinator (of these organisations, if given)."""
    query = (sa.select(sa.func.count(ModerationRequest.id)).join(ModerationRequest.series)
             .where(ModerationRequest.status == ModerationStatus.PENDING))
    if organisation_ids is not None:
        query = query.where(EventSeries.organisation_id.in_(organisation_ids))
    return db.session.scalar(query) or 0


def series_requests(series: EventSeries) -> tuple[list[ModerationRequest], ModerationRequest | None]:
    """The series' pending requests (oldest first), and its latest returned one if nothing was asked since."""
    requests = list(db.session.scalars(
        sa.select(ModerationRequest).where(ModerationRequest.series_id == series.id)
        .order_by(ModerationRequest.submitted_at, ModerationRequest.id)))
    pending = [request for request in requests if request.is_pending]
    decided = [request for request in requests if request.is_returned or request.is_approved]
    latest = max(decided, key=lambda request: (request.decided_at, request.id), default=None)
    returned = latest if latest is not None and latest.is_returned and not pending else None
    return pending, returned


def pending_change(series: EventSeries) -> ModerationRequest | None:
    """The series' pending change, if one waits."""
    return _pending(series, ModerationKind.CHANGE)


class ProposedSeries:
    """A series as its pending change proposes it, for filling the edit form: the held fields from the
    proposal, everything else from the series."""

    def __init__(self, series: EventSeries, proposed: dict[str, Any]) -> None:
        self._series = series
        self._values = {**proposed, "start_local": datetime.fromisoformat(proposed["start_local"])}

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        return getattr(self.__dict__["_series"], name)

    @property
    def duration(self) -> timedelta:
        if self._values["is_all_day"]:
            return timedelta(days=self._values["all_day_days"])
        return timedelta(minutes=self._values["duration_minutes"] or 0)
