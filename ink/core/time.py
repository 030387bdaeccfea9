"""The one place where instants (UTC) and wall clocks (a named time zone) meet."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
# The one clock a person reads, in every language: 24-hour, no seconds ("17:00"). Babel pattern.
TIME_PATTERN = "HH:mm"


def zone(tz: str) -> ZoneInfo:
    """The named time zone (the only place a ZoneInfo is built)."""
    return ZoneInfo(tz)


def as_utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; naive input is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local_to_utc(local: datetime, tz: str) -> datetime:
    """Convert a naive wall-clock time in ``tz`` to UTC.

    Ambiguous times (autumn) take the first instant; non-existent times (spring gap) use the
    offset in force before the gap, as RFC 5545 3.3.5 prescribes.
    """
    return as_utc(aware_local(local, tz))


def aware_local(local: datetime, tz: str) -> datetime:
    """A naive wall-clock time in ``tz`` as an aware datetime; ambiguous times take the first (``fold=0``)."""
    return local.replace(tzinfo=zone(tz), fold=0)


def in_zone(moment: datetime, tz: str) -> datetime:
    """An instant as an aware datetime in ``tz``."""
    return as_utc(moment).astimezone(zone(tz))


def utc_to_local(moment: datetime, tz: str) -> datetime:
    """The naive wall-clock time in ``tz`` of an instant."""
    return in_zone(moment, tz).replace(tzinfo=None)


def local_midnight_utc(day: date, tz: str) -> datetime:
    return local_to_utc(datetime.combine(day, time()), tz)


def local_date(moment: datetime, tz: str) -> date:
    return utc_to_local(moment, tz).date()


def is_local_midnight(moment: datetime, tz: str) -> bool:
    """Whether an instant falls on 00:00 wall-clock time in ``tz``."""
    return utc_to_local(moment, tz).time() == time(0)


def local_day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """UTC instants of the start of ``day`` and of the next day in ``tz`` (half-open)."""
    return local_midnight_utc(day, tz), local_midnight_utc(day + timedelta(days=1), tz)
