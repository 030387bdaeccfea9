"""Recurring event series: the form model, RFC 5545 RRULE strings and expansion.

Pure module (stdlib, dateutil, zoneinfo only).

Model
    :class:`Recurrence` is what the event form edits. :func:`to_rrule` turns it into a canonical
    RFC 5545 RRULE value and :func:`from_rrule` parses such a value back (round trip).

Wall-clock semantics and DST policy
    A series is anchored to a *naive local wall-clock* DTSTART in a named time zone: "every
    Tuesday at 18:00 Europe/Oslo" stays at 18:00 local across DST changes (17:00Z in winter,
    16:00Z in summer). Expansion runs dateutil.rrule on naive local datetimes and converts each
    wall-clock time to UTC with zoneinfo:

    * an ambiguous time (autumn fall-back, e.g. 02:30 on 2026-10-25 in Europe/Oslo) takes the
      FIRST occurrence (``fold=0``, still summer time) -> 00:30Z;
    * a non-existent time (spring-forward gap, e.g. 02:30 on 2026-03-29) is interpreted with the
      offset in force BEFORE the gap (RFC 5545 section 3.3.5), so it becomes 03:30 CEST (01:30Z).

    Instances mapping to the same instant are de-duplicated. COUNT counts from DTSTART. A UTC
    UNTIL is compared against the real instants, not against wall-clock times. DTSTART is always
    an instance (RFC 5545), even when an imported rule is not synchronised with it.

All-day series
    DTSTART is local midnight; every instance is the local midnight (in the series' zone) of its
    date, returned in UTC. Their UNTIL is a DATE (``YYYYMMDD``).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Literal, TypeGuard

from dateutil.rrule import rrule as RRule
from dateutil.rrule import rrulestr

from ink.core.errors import N_
from ink.core.time import local_midnight_utc, local_to_utc, utc_to_local

Freq = Literal["once", "daily", "weekly", "monthly", "yearly"]
MonthlyMode = Literal["day_of_month", "nth_weekday"]
EndMode = Literal["never", "until", "count"]

FREQS: tuple[str, ...] = ("once", "daily", "weekly", "monthly", "yearly")
MONTHLY_MODES: tuple[str, ...] = ("day_of_month", "nth_weekday")
END_MODES: tuple[str, ...] = ("never", "until", "count")
NTH_VALUES: tuple[int, ...] = (1, 2, 3, 4, -1)
MAX_INTERVAL = 99
MAX_COUNT = 1000

_WEEKDAY_CODES: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_FREQ_TO_RFC: dict[Freq, str] = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY", "yearly": "YEARLY"}
_RFC_TO_FREQ = {value: key for key, value in _FREQ_TO_RFC.items()}
_KNOWN_PARTS = frozenset(
    {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "COUNT", "UNTIL", "WKST"}
)
_UTC = timezone.utc


@dataclass(frozen=True)
class Recurrence:
    freq: Freq = "once"
    interval: int = 1  # every N days/weeks/months/years (1..99)
    weekdays: tuple[int, ...] = ()  # weekly: 0=Monday .. 6=Sunday; empty -> weekday of start
    monthly_mode: MonthlyMode = "day_of_month"  # used for monthly AND yearly
    nth: int | None = None  # nth_weekday: 1..4 or -1 (last); None -> derived from the start
    end: EndMode = "never"
    until: date | None = None  # local date, inclusive (last possible day)
    count: int | None = None  # 1..1000


class RecurrenceError(ValueError):
    """Invalid recurrence; ``.field`` names the offending field.

    One of 'interval', 'weekdays', 'nth', 'until', 'count', 'freq', 'rrule' (and, for values no
    form can produce, 'monthly_mode' or 'end').
    """

    def __init__(self, message: str, field: str, **params: int | str) -> None:
        super().__init__(message % params if params else message)
        self.message = message  # an English msgid marked with N_ (see ink.core.errors)
        self.field = field
        self.params = params


def weekday_codes() -> tuple[str, ...]:
    return _WEEKDAY_CODES


# --------------------------------------------------------------------------- start-date facts


def nth_of_start(start: date) -> int:
    """Which occurrence of its weekday ``start`` is within its month (1..5)."""
    return (start.day - 1) // 7 + 1


def is_last_weekday_of_month(start: date) -> bool:
    return (start + timedelta(days=7)).month != start.month


def nth_choices(start: date) -> tuple[int, ...]:
    """The ``nth`` values consistent with ``start`` (e.g. (4, -1) for the last, 4th Friday)."""
    choices = [nth_of_start(start)] if nth_of_start(start) <= 4 else []
    if is_last_weekday_of_month(start):
        choices.append(-1)
    return tuple(choices)


def _default_nth(start: date) -> int:
    return nth_choices(start)[0]


def _naive_local(start_local: datetime, tz: str | None = None) -> datetime:
    if start_local.tzinfo is None:
        return start_local
    if tz is not None:
        return utc_to_local(start_local, tz)
    return start_local.replace(tzinfo=None)


# --------------------------------------------------------------------------- validation


def normalize(rec: Recurrence, start_local: datetime) -> Recurrence:
    """The canonical form of ``rec``: irrelevant fields cleared, defaults made explicit.

    ``from_rrule(to_rrule(rec, ...), ...) == normalize(rec, ...)`` for every valid ``rec``.
    """
    start = start_local.date()
    if rec.freq == "once":
        return Recurrence()
    weekdays: tuple[int, ...] = ()
    if rec.freq == "weekly":
        weekdays = tuple(sorted(set(rec.weekdays))) or (start.weekday(),)
    mode = rec.monthly_mode if rec.freq in ("monthly", "yearly") else "day_of_month"
    nth = None
    if mode == "nth_weekday":
        nth = rec.nth if rec.nth is not None else _default_nth(start)
    return Recurrence(
        freq=rec.freq,
        interval=rec.interval,
        weekdays=weekdays,
        monthly_mode=mode,
        nth=nth,
        end=rec.end,
        until=rec.until if rec.end == "until" else None,
        count=rec.count if rec.end == "count" else None,
    )


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def validate(rec: Recurrence, start_local: datetime) -> None:
    """Raise :class:`RecurrenceError` if ``rec`` is not a valid series starting at ``start_local``.

    The series must be synchronised with its start (RFC 5545 says otherwise the result is
    undefined): weekly weekdays must include the start's weekday and ``nth`` must describe the
    start date (``nth=-1`` requires the start to be the last such weekday of its month).
    A monthly/yearly day-of-month series starting on the 29th-31st is fine: months (or years)
    without that day are skipped, as in RFC 5545.
    """
    start = start_local.date()
    if rec.freq not in FREQS:
        raise RecurrenceError(N_("Unknown repeat frequency."), "freq")
    if rec.freq == "once":
        return
    if not _is_int(rec.interval) or not 1 <= rec.interval <= MAX_INTERVAL:
        raise RecurrenceError(N_("The interval must be between 1 and %(max)s."), "interval", max=MAX_INTERVAL)
    _validate_weekdays(rec, start)
    _validate_monthly(rec, start)
    _validate_end(rec, start)


def _validate_weekdays(rec: Recurrence, start: date) -> None:
    if rec.freq != "weekly":
        return
    if any(not _is_int(day) or not 0 <= day <= 6 for day in rec.weekdays):
        raise RecurrenceError(N_("Weekdays must be between Monday (0) and Sunday (6)."), "weekdays")
    if rec.weekdays and start.weekday() not in rec.weekdays:
        raise RecurrenceError(N_("The first date must fall on one of the chosen weekdays."), "weekdays")


def _validate_monthly(rec: Recurrence, start: date) -> None:
    if rec.freq not in ("monthly", "yearly"):
        return
    if rec.monthly_mode not in MONTHLY_MODES:
        raise RecurrenceError(N_("Unknown monthly repeat mode."), "monthly_mode")
    if rec.monthly_mode != "nth_weekday" or rec.nth is None:
        return
    if not _is_int(rec.nth) or rec.nth not in NTH_VALUES:
        raise RecurrenceError(N_("The week must be 1-4 or -1 (last)."), "nth")
    if rec.nth not in nth_choices(start):
        raise RecurrenceError(N_("The first date is not on the chosen week of its month."), "nth")


def _validate_end(rec: Recurrence, start: date) -> None:
    if rec.end not in END_MODES:
        raise RecurrenceError(N_("Unknown end mode."), "end")
    if rec.end == "until":
        if not isinstance(rec.until, date) or isinstance(rec.until, datetime):
            raise RecurrenceError(N_("Choose the last date."), "until")
        if rec.until < start:
            raise RecurrenceError(N_("The last date must not be before the first date."), "until")
    if rec.end == "count":
        if not _is_int(rec.count) or not 1 <= rec.count <= MAX_COUNT:
            raise RecurrenceError(N_("The number of times must be between 1 and %(max)s."), "count", max=MAX_COUNT)


# --------------------------------------------------------------------------- to_rrule


def to_rrule(rec: Recurrence, start_local: datetime, tz: str, *, all_day: bool = False) -> str | None:
    """The canonical RRULE value (no ``RRULE:`` prefix) for ``rec``; ``None`` for a one-off.

    Part order: FREQ, INTERVAL, BYMONTH, BYDAY, BYMONTHDAY, COUNT, UNTIL, WKST. UNTIL is the
    last instant of the ``until`` day in ``tz``, in UTC (``YYYYMMDDTHHMMSSZ``), or a DATE for
    all-day series. Raises :class:`RecurrenceError` if ``rec`` is invalid.
    """
    start_local = _naive_local(start_local, tz)
    validate(rec, start_local)
    rec = normalize(rec, start_local)
    if rec.freq == "once":
        return None
    start = start_local.date()
    parts = [f"FREQ={_FREQ_TO_RFC[rec.freq]}"]
    if rec.interval != 1:
        parts.append(f"INTERVAL={rec.interval}")
    if rec.freq == "weekly":
        parts.append("BYDAY=" + ",".join(_WEEKDAY_CODES[day] for day in rec.weekdays))
    elif rec.freq in ("monthly", "yearly"):
        if rec.freq == "yearly":
            parts.append(f"BYMONTH={start.month}")
        if rec.monthly_mode == "nth_weekday":
            parts.append(f"BYDAY={rec.nth}{_WEEKDAY_CODES[start.weekday()]}")
        else:
            parts.append(f"BYMONTHDAY={start.day}")
    if rec.end == "count":
        parts.append(f"COUNT={rec.count}")
    elif rec.end == "until":
        assert rec.until is not None
        parts.append(f"UNTIL={format_until(rec.until, tz, all_day=all_day)}")
    if rec.freq == "weekly" and rec.interval > 1:
        parts.append("WKST=MO")
    return ";".join(parts)


def format_until(until: date, tz: str, *, all_day: bool = False) -> str:
    """UNTIL for an inclusive local last day: a DATE for all-day series, else UTC date-time."""
    if all_day:
        return until.strftime("%Y%m%d")
    last_instant = local_midnight_utc(until + timedelta(days=1), tz) - timedelta(seconds=1)
    return last_instant.strftime("%Y%m%dT%H%M%SZ")


# --------------------------------------------------------------------------- parsing


def _split_rule(rrule: str) -> dict[str, str]:
    text = rrule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:"):]
    parts: dict[str, str] = {}
    for chunk in text.strip().strip(";").split(";"):
        key, sep, value = chunk.partition("=")
        key, value = key.strip().upper(), value.strip().upper()
        if not sep or not key or not value:
            raise RecurrenceError(f"Malformed rule part {chunk!r}.", "rrule")
        if key in parts:
            raise RecurrenceError(f"Duplicate rule part {key}.", "rrule")
        parts[key] = value
    if "FREQ" not in parts:
        raise RecurrenceError("The rule has no FREQ.", "rrule")
    return parts


def _parse_int(value: str, name: str) -> int:
    text = value[1:] if value[:1] in "+-" else value
    if not text.isdigit():
        raise RecurrenceError(f"{name} must be a number.", "rrule")
    return int(value)


def _parse_until(value: str) -> date | datetime:
    """A DATE, an aware UTC datetime (``Z``) or a naive floating datetime."""
    formats = (("%Y%m%dT%H%M%SZ", True), ("%Y%m%dT%H%M%S", False), ("%Y%m%d", False))
    for fmt, is_utc in formats:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if fmt == "%Y%m%d":
            return parsed.date()
        return parsed.replace(tzinfo=_UTC) if is_utc else parsed
    raise RecurrenceError(f"Malformed UNTIL {value!r}.", "rrule")


def _parse_byday(value: str) -> list[tuple[int | None, int]]:
    """``2SA,-1FR,MO`` -> [(2, 5), (-1, 4), (None, 0)]."""
    result = []
    for item in value.split(","):
        code, prefix = item[-2:], item[:-2]
        if code not in _WEEKDAY_CODES:
            raise RecurrenceError(f"Unknown weekday {item!r}.", "rrule")
        nth = _parse_int(prefix, "BYDAY") if prefix else None
        result.append((nth, _WEEKDAY_CODES.index(code)))
    return result


def _until_to_local_date(until: date | datetime, start_local: datetime, tz: str | None) -> date:
    """The last local date whose start-time instance is not after UNTIL."""
    if not isinstance(until, datetime):
        return until
    if until.tzinfo is None:
        local = until
    elif tz is not None:
        local = utc_to_local(until, tz)
    else:
        # Without a zone, undo a canonical "last second of the local day" UNTIL: exact for
        # zones between UTC-10 and UTC+13:59.
        return (until - timedelta(hours=10)).date()
    if local.time() < start_local.time():
        return local.date() - timedelta(days=1)
    return local.date()


def from_rrule(rrule: str | None, start_local: datetime, tz: str | None = None) -> Recurrence:
    """Parse an RRULE value into a :class:`Recurrence` (inverse of :func:`to_rrule`).

    ``None`` means a one-off. Tolerates an ``RRULE:`` prefix, any part order and
    ``BYDAY=FR;BYSETPOS=-1``. Pass ``tz`` (the series' zone) to map a UTC UNTIL to its local
    date exactly. Raises ``RecurrenceError(field="rrule")`` for malformed rules and for rules the
    form cannot represent (or that are not synchronised with ``start_local``).
    """
    if rrule is None:
        return Recurrence()
    start_local = _naive_local(start_local, tz)
    parts = _split_rule(rrule)
    unknown = set(parts) - _KNOWN_PARTS
    if unknown:
        raise RecurrenceError(f"Unsupported rule parts: {', '.join(sorted(unknown))}.", "rrule")
    freq = _RFC_TO_FREQ.get(parts["FREQ"])
    if freq is None:
        raise RecurrenceError(f"Unsupported frequency {parts['FREQ']!r}.", "rrule")
    interval = _parse_int(parts["INTERVAL"], "INTERVAL") if "INTERVAL" in parts else 1
    shape = _parse_shape(freq, parts, start_local.date())
    rec = Recurrence(freq=freq, interval=interval, **shape, **_parse_end(parts, start_local, tz))
    _check_wkst(rec, parts)
    try:
        validate(rec, start_local)
    except RecurrenceError as error:
        raise RecurrenceError(error.message, "rrule") from error
    return normalize(rec, start_local)


def _parse_shape(freq: str, parts: dict[str, str], start: date) -> dict[str, Any]:
    if freq == "daily":
        _forbid(parts, "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS")
        return {}
    if freq == "weekly":
        _forbid(parts, "BYMONTHDAY", "BYMONTH", "BYSETPOS")
        days = _parse_byday(parts["BYDAY"]) if "BYDAY" in parts else []
        if any(nth is not None for nth, _ in days):
            raise RecurrenceError("Weekly rules cannot use numbered weekdays.", "rrule")
        return {"weekdays": tuple(sorted({day for _, day in days}))}
    if freq == "yearly":
        month = _parse_int(parts["BYMONTH"], "BYMONTH") if "BYMONTH" in parts else start.month
        if month != start.month:
            raise RecurrenceError("BYMONTH must be the month of the first date.", "rrule")
    else:
        _forbid(parts, "BYMONTH")
    return _parse_day_in_month(parts, start)


def _parse_day_in_month(parts: dict[str, str], start: date) -> dict[str, object]:
    if "BYDAY" in parts and "BYMONTHDAY" in parts:
        raise RecurrenceError("BYDAY and BYMONTHDAY cannot be combined.", "rrule")
    if "BYDAY" in parts:
        days = _parse_byday(parts["BYDAY"])
        if len(days) != 1:
            raise RecurrenceError("Only one weekday per month is supported.", "rrule")
        nth, weekday = days[0]
        if "BYSETPOS" in parts:
            if nth is not None:
                raise RecurrenceError("BYSETPOS cannot be combined with 2SA-style BYDAY.", "rrule")
            nth = _parse_int(parts["BYSETPOS"], "BYSETPOS")
        if nth is None:
            raise RecurrenceError("Every-weekday-of-the-month rules are not supported.", "rrule")
        if weekday != start.weekday():
            raise RecurrenceError("BYDAY must be the weekday of the first date.", "rrule")
        return {"monthly_mode": "nth_weekday", "nth": nth}
    _forbid(parts, "BYSETPOS")
    if "BYMONTHDAY" in parts and _parse_int(parts["BYMONTHDAY"], "BYMONTHDAY") != start.day:
        raise RecurrenceError("BYMONTHDAY must be the day of the first date.", "rrule")
    return {"monthly_mode": "day_of_month"}


def _parse_end(parts: dict[str, str], start_local: datetime, tz: str | None) -> dict[str, Any]:
    if "COUNT" in parts and "UNTIL" in parts:
        raise RecurrenceError("COUNT and UNTIL cannot be combined.", "rrule")
    if "COUNT" in parts:
        return {"end": "count", "count": _parse_int(parts["COUNT"], "COUNT")}
    if "UNTIL" in parts:
        until = _until_to_local_date(_parse_until(parts["UNTIL"]), start_local, tz)
        return {"end": "until", "until": until}
    return {}


def _check_wkst(rec: Recurrence, parts: dict[str, str]) -> None:
    wkst = parts.get("WKST", "MO")
    if wkst not in _WEEKDAY_CODES:
        raise RecurrenceError(f"Unknown WKST {wkst!r}.", "rrule")
    # WKST only changes results for multi-day weekly rules with an interval.
    if wkst != "MO" and rec.freq == "weekly" and rec.interval > 1 and len(rec.weekdays) > 1:
        raise RecurrenceError("Only weeks starting on Monday are supported.", "rrule")


def _forbid(parts: dict[str, str], *names: str) -> None:
    present = [name for name in names if name in parts]
    if present:
        raise RecurrenceError(f"Unsupported rule parts: {', '.join(present)}.", "rrule")


# --------------------------------------------------------------------------- expansion


@dataclass(frozen=True)
class _Series:
    rule: RRule
    start: datetime  # naive local DTSTART
    tz: str
    until_utc: datetime | None  # precise bound for UTC UNTIL; dateutil gets a widened one
    # Parsed from the rule text (never from dateutil's private attributes): what _fast_forward needs.
    freq: str
    interval: int
    has_count: bool

    def to_utc(self, local: datetime) -> datetime:
        return local_to_utc(local, self.tz)


def _build_series(rrule: str, start: datetime, tz: str) -> _Series:
    parts = _split_rule(rrule)
    until_utc = None
    if "UNTIL" in parts:
        until = _parse_until(parts["UNTIL"])
        if isinstance(until, datetime) and until.tzinfo is not None:
            until_utc = until
            # dateutil rejects a UTC UNTIL with a naive DTSTART: give it a floating bound with
            # slack for DST and filter precisely on the instants afterwards.
            local = utc_to_local(until, tz) + timedelta(hours=3)
        elif isinstance(until, datetime):
            local = until
        else:  # a DATE includes the whole day
            local = datetime.combine(until, time(23, 59, 59))
        parts["UNTIL"] = local.strftime("%Y%m%dT%H%M%S")
    text = ";".join(f"{key}={value}" for key, value in parts.items())
    try:
        rule = rrulestr(text, dtstart=start)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise RecurrenceError(f"Malformed rule: {error}", "rrule") from error
    if not isinstance(rule, RRule):
        raise RecurrenceError("Malformed rule.", "rrule")
    return _Series(rule=rule, start=start, tz=tz, until_utc=until_utc, freq=parts.get("FREQ", "").upper(),
                   interval=int(parts.get("INTERVAL", "1")), has_count="COUNT" in parts)


def _fast_forward(series: _Series, lower_local: datetime) -> RRule:
    """A rule equivalent on/after ``lower_local`` with DTSTART moved near it, when safe.

    Daily and weekly periods are fixed-length, so moving DTSTART by whole periods keeps every
    later instance. COUNT counts from the real DTSTART, and month/year steps could clamp the day,
    so those rules are iterated from the start (they have few instances per year anyway).
    """
    rule = series.rule
    if series.has_count or series.freq not in ("DAILY", "WEEKLY"):
        return rule
    period_days = series.interval * (7 if series.freq == "WEEKLY" else 1)
    periods = (lower_local - series.start).days // period_days
    if periods <= 1:
        return rule
    return rule.replace(dtstart=series.start + timedelta(days=(periods - 1) * period_days))


def _local_candidates(series: _Series, lower_local: datetime) -> Iterator[datetime]:
    yield series.start  # DTSTART is always an instance
    for local in _fast_forward(series, lower_local):
        if local >= lower_local:
            yield local


def _instances(
    rrule: str | None,
    start_local: datetime,
    tz: str,
    lower: datetime,
    upper: datetime | None,
    limit: int,
    all_day: bool,
) -> list[datetime]:
    """Instances in [lower, upper) (``upper=None``: unbounded), ascending, at most ``limit``."""
    for bound in (lower, upper):
        if bound is not None and bound.utcoffset() is None:
            raise ValueError("Window bounds must be timezone-aware datetimes.")
    if limit <= 0:
        return []
    if not isinstance(start_local, datetime):  # tolerate a plain date for all-day series
        start_local = datetime.combine(start_local, time())
    start = _naive_local(start_local, tz)
    if all_day:
        start = datetime.combine(start.date(), time())
    if rrule is None:
        instant = local_to_utc(start, tz)
        return [instant] if _in_window(instant, lower, upper) else []
    series = _build_series(rrule, start, tz)
    # Naive local bounds widened by a day: UTC offsets differ from wall-clock by < 1 day.
    lower_local = utc_to_local(lower, tz) - timedelta(days=1)
    upper_local = None if upper is None else utc_to_local(upper, tz) + timedelta(days=1)
    found: set[datetime] = set()
    stop_after: datetime | None = None
    for local in _local_candidates(series, lower_local):
        if (upper_local is not None and local > upper_local) or (stop_after and local > stop_after):
            break
        instant = series.to_utc(local)
        if series.until_utc is not None and instant > series.until_utc:
            continue  # not `break`: gap times make UTC order differ slightly from wall-clock order
        if _in_window(instant, lower, upper):
            found.add(instant)
            if len(found) >= limit and stop_after is None:
                # Later wall-clock times can only be earlier instants within a day's margin.
                stop_after = local + timedelta(days=1)
    return sorted(found)[:limit]


def _in_window(instant: datetime, lower: datetime, upper: datetime | None) -> bool:
    return instant >= lower and (upper is None or instant < upper)


def expand(
    rrule: str | None,
    start_local: datetime,
    tz: str,
    window_start: datetime,
    window_end: datetime,
    *,
    all_day: bool = False,
    limit: int = 5000,
) -> list[datetime]:
    """Aware UTC start instants of every instance in ``[window_start, window_end)``, ascending.

    ``start_local`` is the naive local wall-clock DTSTART in ``tz``; the window bounds are aware
    datetimes in any zone. At most ``limit`` instances (the earliest) are returned.
    """
    return _instances(rrule, start_local, tz, window_start, window_end, limit, all_day)


def first_instances(
    rrule: str | None,
    start_local: datetime,
    tz: str,
    after: datetime,
    n: int,
    *,
    all_day: bool = False,
) -> list[datetime]:
    """The next ``n`` instances (aware UTC) at or after the aware instant ``after``."""
    return _instances(rrule, start_local, tz, after, None, n, all_day)


__all__ = [
    "EndMode",
    "Freq",
    "MonthlyMode",
    "Recurrence",
    "RecurrenceError",
    "expand",
    "first_instances",
    "format_until",
    "from_rrule",
    "normalize",
    "nth_choices",
    "to_rrule",
    "validate",
    "weekday_codes",
]
