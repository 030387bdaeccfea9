"""The events domain's signals, connected to their reactions (reactions.py): change notices and reminders
that follow their occurrence. Listeners run inside the caller's transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ink.core import signals
from ink.events.models import EventSeries, Occurrence, OccurrenceStatus, SeriesStatus
from ink.reminders import reactions
from ink.reminders.outbox import occ_ref
from ink.reminders.planning import PLAN_AHEAD


def on_cancelled(occ: Occurrence, *, now: datetime, **_: Any) -> None:
    reactions.enqueue_change_notices(occ, "cancelled", now=now)


def on_restored(occ: Occurrence, *, now: datetime, **_: Any) -> None:
    reactions.reopen_reminders(occ, now=now)
    reactions.enqueue_change_notices(occ, "restored", now=now)


def on_moved(occ: Occurrence, *, now: datetime, previous_start_at: datetime | None = None, **_: Any) -> None:
    reactions.follow_move(occ)
    reactions.enqueue_change_notices(occ, "moved", now=now, previous_start_at=previous_start_at)


def on_removing(series: EventSeries, *, occurrences: list[Occurrence], now: datetime, **_: Any) -> None:
    # Only the coming days: a changed rule replaces many far-off dates, and their new dates are on the event page.
    for occ in occurrences:
        if not occ.is_cancelled and occ.start_at <= now + PLAN_AHEAD:
            reactions.enqueue_change_notices(occ, "removed", now=now)
    # The rows are about to be deleted (their outbox rows keep a NULL occurrence): nothing more to remind.
    reactions.drop_reminders([occ.id for occ in occurrences], "occurrence removed")


def on_series_changed(series: EventSeries, *, now: datetime, **_: Any) -> None:
    """A whole series cancelled: its coming occurrences' subscribers hear of it (once per occurrence)."""
    if series.status != SeriesStatus.CANCELLED:
        return
    for occ in series.occurrences:
        if now < occ.start_at <= now + PLAN_AHEAD and occ.status != OccurrenceStatus.CANCELLED:
            reactions.enqueue_change_notices(occ, "cancelled", now=now, ref=f"{occ_ref(occ.id)}:series-cancelled")


def connect() -> None:
    """Connect once per process (blinker keeps one connection per receiver, so repeats are harmless)."""
    signals.occurrence_cancelled.connect(on_cancelled)
    signals.occurrence_restored.connect(on_restored)
    signals.occurrence_moved.connect(on_moved)
    signals.occurrences_removing.connect(on_removing)
    signals.series_changed.connect(on_series_changed)
