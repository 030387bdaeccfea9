"""The period a listing covers (``?start=YYYY-MM-DD&days=N``) and its dates under their local days.

One home for the programme page (``ink.public``) and the printable programme (``ink.feeds.printing``):
both read ``start`` and ``days`` with the same limits and messages, and both list dates under the local
day they start on. Pure apart from the request-independent arguments; no view logic.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from flask_babel import gettext as _

from ink.core.errors import ValidationFailed
from ink.core.time import local_date
from ink.events.models import Occurrence

MAX_DAYS = 62  # the longest period one page lists
# How far from today a period may start (keeps dates far from datetime's limits).
MAX_YEARS_AWAY = 50


@dataclass
class ListedDay:
    """One local day of a listing and the dates under it."""

    day: date
    occurrences: list[Occurrence] = field(default_factory=list)


def parse_window(args: Mapping[str, str], today: date, *, default_days: int) -> tuple[date, int]:
    """The first day and length from ``start=YYYY-MM-DD`` and ``days=N`` (ValidationFailed naming the
    parameter on nonsense; ``today`` and ``default_days`` when absent)."""
    raw_start = (args.get("start") or "").strip()
    raw_days = (args.get("days") or "").strip()
    start = today
    if raw_start:
        start = _start_date(raw_start)
        if abs(start.year - today.year) > MAX_YEARS_AWAY:
            raise ValidationFailed(_("That date is too far from today."), "start")
    days = default_days
    if raw_days:
        if not (raw_days.isascii() and raw_days.isdigit() and len(raw_days) <= 3 and 1 <= int(raw_days) <= MAX_DAYS):
            raise ValidationFailed(_("The number of days must be between 1 and %(max)d.", max=MAX_DAYS), "days")
        days = int(raw_days)
    return start, days


def _start_date(raw: str) -> date:
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise ValidationFailed(_("The start date must look like 2026-06-02."), "start")


def by_local_day(occurrences: Sequence[Occurrence], tz: str, first_day: date) -> list[ListedDay]:
    """Dates (sorted by start) under the local day on which they start; those under way before
    ``first_day`` (a multi-day event) under ``first_day``."""
    return [ListedDay(day, list(items))
            for day, items in groupby(occurrences, key=lambda occ: max(local_date(occ.start_at, tz), first_day))]
