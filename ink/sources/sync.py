"""Syncing a calendar source: fetch, map and apply, so the source's events are our series.

``sync_source`` is job-level work (like the scheduler's jobs it owns its transactions): it takes the
source's lease and commits it (a second sync of the same source finds the lease and does nothing),
fetches without holding any lock, then maps and applies everything in ONE transaction that also
releases the lease. ``apply_calendar`` and the other functions below never commit.

Identity is the source's UID (SourceEvent, unique per source): a re-sync updates in place. The source
owns title, description, times, rule and location text (overwritten); what the network added (topics,
audiences, ages, languages, drop-in, venue, attendance, text versions) is never touched after
creation. Dates change through the events domain's own paths (cancel, restore, move) so residents
are told as for any edit; an event gone from the source is cancelled here, never deleted. An unchanged
event (same digest) changes nothing: no write, no signal, so feeds keep their bytes, SEQUENCE and ETag.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from markupsafe import escape

from ink.core import signals
from ink.core.errors import N_
from ink.core.html import sanitise_html
from ink.events.models import EventSeries, Occurrence, OccurrenceStatus, SeriesAudience, SeriesStatus
from ink.events.moderation import request_publish
from ink.events.search import indexing_deferred, reindex_series
from ink.events.service import (
    cancel_occurrence,
    cancel_series,
    default_end,
    move_occurrence,
    publish_series,
    restore_occurrence,
    unpublish_series,
)
from ink.extensions import db, network_timezone
from ink.notices import queue_notice
from ink.organisations.models import Membership
from ink.auth.models import User
from ink.sources.fetch import FetchError, Fetched, FetchSettings, fetch_calendar
from ink.sources.mapping import MappedCalendar, MappingError, SourceEvent as Mapped, map_calendar
from ink.sources.models import CalendarSource, SourceEvent, SourceStatus

LEASE = timedelta(minutes=10)
FAILURE_NOTICE = "source-failing"
# Source-owned columns of a series (the service refuses edits to them; the form shows them read-only).
SOURCE_OWNED = ("title", "description_html", "start_local", "timezone", "is_all_day", "all_day_days",
                "duration_minutes", "rrule")
_SCHEDULE = ("start_local", "timezone", "is_all_day", "all_day_days", "duration_minutes", "rrule")


@dataclass
class SyncResult:
    """What one sync did: ``outcome`` is synced, unchanged, not-modified, failed or busy."""

    outcome: str
    created: int = 0
    updated: int = 0
    removed: int = 0
    message: str = ""
    params: dict[str, Any] = field(default_factory=dict)


def sync_window(now: datetime) -> tuple[datetime, datetime]:
    """The instants a sync applies: from now to a day past the occurrence horizon (so the daily
    horizon job finds imported series already materialised)."""
    return now, now + timedelta(days=int(current_app.config["OCCURRENCE_HORIZON_DAYS"]) + 1)


def fetch_settings() -> FetchSettings:
    """The fetcher's limits from the app's SYNC_* settings."""
    return FetchSettings.from_config(current_app.config)


def claim_source(source_id: int, *, now: datetime) -> bool:
    """Take the source's lease (an atomic conditional UPDATE); False when another sync holds it."""
    result = db.session.execute(
        sa.update(CalendarSource)
        .where(CalendarSource.id == source_id,
               sa.or_(CalendarSource.lease_until.is_(None), CalendarSource.lease_until <= now))
        .values(lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def sync_source(source_id: int, *, now: datetime) -> SyncResult:
    """Fetch, map and apply one source (commits: job-level work, see the module docstring)."""
    if not claim_source(source_id, now=now):
        db.session.rollback()
        return SyncResult("busy")
    db.session.commit()
    source = db.session.get(CalendarSource, source_id)
    if source is None:
        return SyncResult("busy")
    stale = source.content_hash is None or source.last_success_at is None or \
        source.last_success_at + timedelta(days=1) <= now
    try:
        fetched = fetch_calendar(source.url, etag=None if stale else source.etag,
                                 last_modified=None if stale else source.last_modified, settings=fetch_settings())
        result = apply_fetch(source, fetched, now=now, force=stale)
    except (FetchError, MappingError) as error:
        db.session.rollback()
        source = db.session.get(CalendarSource, source_id)
        assert source is not None
        result = record_failure(source, error.message, dict(error.params), now=now)
    except Exception:
        db.session.rollback()
        db.session.execute(sa.update(CalendarSource).where(CalendarSource.id == source_id).values(lease_until=None))
        db.session.commit()
        raise
    source.lease_until = None
    db.session.commit()
    return result


def sync_due_sources(now: datetime) -> str:
    """Sync every source not synced within SYNC_INTERVAL_MINUTES (the scheduler's job; commits)."""
    interval = timedelta(minutes=int(current_app.config["SYNC_INTERVAL_MINUTES"]))
    due = list(db.session.scalars(
        sa.select(CalendarSource.id)
        .where(sa.or_(CalendarSource.last_fetched_at.is_(None), CalendarSource.last_fetched_at <= now - interval + timedelta(seconds=30)))
        .order_by(CalendarSource.last_fetched_at.is_not(None), CalendarSource.last_fetched_at, CalendarSource.id)
    ))
    db.session.rollback()
    outcomes: dict[str, int] = {}
    for source_id in due:
        outcome = sync_source(source_id, now=now).outcome
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if not outcomes:
        return "no sources due"
    return ", ".join(f"{count} {name}" for name, count in sorted(outcomes.items()))


def apply_fetch(source: CalendarSource, fetched: Fetched, *, now: datetime, force: bool = False) -> SyncResult:
    """Apply a successful fetch: a 304 or the same bytes change nothing but the source's sync state."""
    source.last_fetched_at = now
    if fetched.not_modified:
        _succeeded(source, fetched, now)
        return SyncResult("not-modified")
    digest = hashlib.sha256(fetched.body).hexdigest()
    if digest == source.content_hash and not force:
        _succeeded(source, fetched, now)
        return SyncResult("unchanged")
    window_start, window_end = sync_window(now)
    mapped = map_calendar(fetched.body, window_start=window_start, window_end=window_end,
                          network_tz=network_timezone(), known=known_digests(source, window_start, window_end))
    result = apply_calendar(source, mapped, now=now)
    source.content_hash = digest
    _succeeded(source, fetched, now)
    return result


def _succeeded(source: CalendarSource, fetched: Fetched, now: datetime) -> None:
    source.etag = (fetched.etag or "")[:500] or None
    source.last_modified = (fetched.last_modified or "")[:100] or None
    source.last_success_at = now
    source.status = SourceStatus.OK.value
    source.status_message = ""
    source.status_params = {}
    source.consecutive_failures = 0
    source.failure_notified = False


def record_failure(source: CalendarSource, message: str, params: dict[str, Any], *, now: datetime) -> SyncResult:
    """A failed sync: the source is marked (its events stay as they were); after SYNC_FAILURES_BEFORE_NOTICE
    failures in a row its editors are told once, through the outbox."""
    source.last_fetched_at = now
    source.status = SourceStatus.FAILING.value
    source.status_message = message
    source.status_params = {key: str(value) for key, value in params.items()}
    source.consecutive_failures += 1
    if source.consecutive_failures >= int(current_app.config["SYNC_FAILURES_BEFORE_NOTICE"]) \
            and not source.failure_notified:
        since = source.last_success_at or source.created_at
        for user in source_editors(source):
            queue_notice(FAILURE_NOTICE, ref=f"source:{source.id}:{since.isoformat()}", recipient=user.email,
                         locale=user.locale, now=now, payload={"source_id": source.id}, user_id=user.id)
        source.failure_notified = True
    return SyncResult("failed", message=message, params=params)


def source_editors(source: CalendarSource) -> list[User]:
    """The editors of the source's organisation (who hear that it keeps failing)."""
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == source.organisation_id).order_by(User.id)
    ))


# --- applying a mapped calendar -------------------------------------------------------------------

def _fresh(link: SourceEvent, window_start: datetime, window_end: datetime) -> bool:
    return (link.series.materialised_until or window_start) >= window_end - timedelta(days=1)


def known_digests(source: CalendarSource, window_start: datetime, window_end: datetime) -> dict[str, str]:
    """UID -> digest of the links a sync may skip when the file says the same (not removed, and
    materialised through the window): the mapper neither parses nor expands those events."""
    return {link.uid: link.digest for link in source.links
            if link.digest and not link.is_removed and _fresh(link, window_start, window_end)}


def apply_calendar(source: CalendarSource, mapped: MappedCalendar, *, now: datetime) -> SyncResult:
    """Create, update in place or cancel the source's series so they say what ``mapped`` says."""
    window_start, window_end = sync_window(now)
    links = {link.uid: link for link in source.links}
    result = SyncResult("synced")
    seen: set[str] = set()
    problems = []
    unchanged = set(mapped.unchanged) & set(links)
    seen |= unchanged
    # An event left unmapped keeps what the last sync found about it.
    problems += [entry for entry in (source.problems or []) if entry.get("uid") in unchanged]
    touched: list[EventSeries] = []
    with indexing_deferred(db.session()):  # the search index once for all touched series, not per flush
        for event in mapped.events:
            seen.add(event.uid)
            if event.problem:
                problems.append({"uid": event.uid, "title": event.title, "problem": event.problem})
            link = links.get(event.uid)
            if link is None:
                if event.instances:
                    touched.append(_create(source, event, now=now, window_end=window_end))
                    result.created += 1
                continue
            if link.digest == event.digest and not link.is_removed and _fresh(link, window_start, window_end):
                continue
            if _update(link, event, now=now, window_start=window_start, window_end=window_end):
                touched.append(link.series)
                result.updated += 1
        if touched:
            db.session.flush()
            reindex_series(db.session.connection(), [series.id for series in touched])
    for uid, link in links.items():
        if uid not in seen and not link.is_removed:
            link.is_removed = True
            if not link.series.is_cancelled:
                cancel_series(link.series, reason="", now=now)
            result.removed += 1
    if problems != (source.problems or []):
        source.problems = problems
    return result


def _description_html(text: str) -> str:
    if "<" in text and ">" in text:
        return sanitise_html(text)
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return sanitise_html("".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs))


def _owned_values(event: Mapped) -> dict[str, Any]:
    return {
        "title": event.title[:200], "description_html": _description_html(event.description),
        "start_local": event.start_local, "timezone": event.timezone, "is_all_day": event.is_all_day,
        "all_day_days": event.all_day_days, "duration_minutes": event.duration_minutes, "rrule": event.rrule,
    }


def _create(source: CalendarSource, event: Mapped, *, now: datetime, window_end: datetime) -> EventSeries:
    status = SeriesStatus.DRAFT if source.needs_moderation else SeriesStatus.PUBLISHED
    if event.is_cancelled:
        status = SeriesStatus.CANCELLED
    series = EventSeries(created_at=now, updated_at=now, status=status, sequence=0,
                         organisation=source.organisation, venue=source.venue, topics=list(source.topics),
                         is_drop_in=source.is_drop_in, audience_note="", materialised_until=window_end)
    if source.audience:
        series.audience_rows = [SeriesAudience(audience=source.audience)]
    for name, value in _owned_values(event).items():
        setattr(series, name, value)
    db.session.add(series)
    db.session.flush()
    if event.instances:  # one multi-row INSERT, not one per occurrence
        db.session.execute(sa.insert(Occurrence), [
            {"series_id": series.id, "original_start_at": instance.original_start_at,
             "start_at": instance.start_at, "end_at": instance.end_at, "is_moved": instance.is_moved,
             "status": OccurrenceStatus.CANCELLED if instance.is_cancelled else OccurrenceStatus.SCHEDULED,
             "cancel_reason": "", "note": ""}
            for instance in event.instances
        ])
    db.session.add(SourceEvent(source=source, uid=event.uid, series=series, digest=event.digest,
                               location=event.location))
    db.session.flush()
    if status == SeriesStatus.DRAFT:  # a source that needs moderation: the coordinators' queue, from the source
        request_publish(series, by=None, now=now, source_name=source.name)
    signals.series_changed.send(series, now=now)
    return series


def _update(link: SourceEvent, event: Mapped, *, now: datetime, window_start: datetime,
            window_end: datetime) -> bool:
    series = link.series
    changed = False
    schedule_changed = False
    for name, value in _owned_values(event).items():
        if getattr(series, name) != value:
            setattr(series, name, value)
            changed = True
            schedule_changed = schedule_changed or name in _SCHEDULE
    if schedule_changed:
        series.sequence += 1
    existing = {
        occ.original_start_at: occ for occ in db.session.scalars(
            sa.select(Occurrence).where(Occurrence.series_id == series.id,
                                        Occurrence.original_start_at >= window_start,
                                        Occurrence.original_start_at < window_end))
    }
    wanted = {instance.original_start_at: instance for instance in event.instances}
    for key, instance in wanted.items():
        occ = existing.get(key)
        if occ is None:
            db.session.add(Occurrence(
                series=series, original_start_at=key, start_at=instance.start_at, end_at=instance.end_at,
                is_moved=instance.is_moved,
                status=OccurrenceStatus.CANCELLED if instance.is_cancelled else OccurrenceStatus.SCHEDULED,
            ))
            changed = True
            continue
        if (occ.start_at, occ.end_at) != (instance.start_at, instance.end_at):
            _move(occ, instance.start_at, instance.end_at, now=now)
            changed = True
        if instance.is_cancelled and occ.status == OccurrenceStatus.SCHEDULED:
            cancel_occurrence(occ, reason="", now=now)
            changed = True
        elif not instance.is_cancelled and occ.status == OccurrenceStatus.CANCELLED:
            restore_occurrence(occ, now=now)
            changed = True
    for key, occ in existing.items():
        if key not in wanted and occ.status == OccurrenceStatus.SCHEDULED:
            cancel_occurrence(occ, reason="", now=now)  # gone from the source: cancelled, counts kept
            changed = True
    if (series.materialised_until or window_start) < window_end:
        series.materialised_until = window_end
    if event.is_cancelled and not series.is_cancelled:
        cancel_series(series, reason="", now=now)
        changed = True
    elif not event.is_cancelled and (series.is_cancelled or link.is_removed):
        if link.source.needs_moderation:
            unpublish_series(series, now=now)
            request_publish(series, by=None, now=now, source_name=link.source.name)
        else:
            publish_series(series, now=now)
        changed = True
    link.is_removed = False
    link.digest = event.digest
    if link.location != event.location:
        link.location = event.location
    if changed:
        series.updated_at = now
        signals.series_changed.send(series, now=now)
    return changed


def _move(occ: Occurrence, start_at: datetime, end_at: datetime, *, now: datetime) -> None:
    if end_at > start_at:
        move_occurrence(occ, start_at=start_at, end_at=end_at, venue=occ.venue_override, note=occ.note, now=now)
        return
    previous = (occ.start_at, occ.end_at)
    occ.start_at, occ.end_at = start_at, end_at
    occ.is_moved = (start_at, end_at) != (occ.original_start_at, default_end(occ.series, occ.original_start_at))
    occ.updated_at = now
    occ.series.sequence += 1
    signals.occurrence_moved.send(occ, now=now, previous_start_at=previous[0], previous_end_at=previous[1])

