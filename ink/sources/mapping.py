"""A member's calendar file (ICS bytes) as plain data: one SourceEvent per UID with its instances.

Pure module (icalendar, x-wr-timezone, recurring-ical-events, ink.core, ink.events.recurrence): no
database, no Flask. ``recurring_ical_events`` is the truth of "which dates does the source mean"; our
own rule model (ink.events.recurrence) is used when it can express the source's RRULE AND gives exactly
the same dates over the window (checked, never assumed). Otherwise the event is imported as its
explicit dates (``is_explicit``, with the reason in ``problem``): never dropped, never misread.

Times: aware times keep their zone (IANA, or a Windows name mapped through icalendar's CLDR table, or
the file's own VTIMEZONE converted to UTC); floating times and all-day dates are read in the network's
zone; a UTC time is an instant.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
import x_wr_timezone
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from ink.core.errors import N_
from ink.core.time import local_midnight_utc, local_to_utc, utc_to_local, zone
from ink.events import recurrence
from ink.events.recurrence import RecurrenceError

UTC = timezone.utc
# The rule an event imported as explicit dates is stored with: its first date; the others are rows.
EXPLICIT_RULE = "FREQ=DAILY;COUNT=1"
_NOT_EXPRESSIBLE = N_("A repeat rule INK Events cannot express: imported as its dates.")
# Rewritten on every export (Google) or bumped without a change of what we import: not a change.
_VOLATILE = frozenset({"DTSTAMP", "LAST-MODIFIED", "SEQUENCE"})


class MappingError(ValueError):
    """The bytes are not a calendar we can read; ``message`` is an N_-marked msgid."""

    def __init__(self, message: str, **params: str) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Instance:
    """One date of an event: its RECURRENCE-ID (UTC) and its effective span."""

    original_start_at: datetime
    start_at: datetime
    end_at: datetime
    is_cancelled: bool = False
    is_moved: bool = False


@dataclass
class SourceEvent:
    """What the source says about one UID (the fields the source owns, and its dates in the window)."""

    uid: str
    title: str
    description: str
    location: str
    start_local: datetime
    timezone: str
    is_all_day: bool
    all_day_days: int
    duration_minutes: int | None
    rrule: str | None
    is_cancelled: bool
    instances: list[Instance]
    digest: str
    is_explicit: bool = False
    problem: str = ""  # N_ msgid: why the rule was imported as explicit dates

    @property
    def live_instances(self) -> list[Instance]:
        return [instance for instance in self.instances if not instance.is_cancelled]


@dataclass
class MappedCalendar:
    """The file's name, the events mapped, and the UIDs left unmapped because their digest is known."""

    name: str
    events: list[SourceEvent] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _calendar_text(data: bytes) -> str:
    """The file as text, checked to be a whole calendar; MappingError otherwise."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    stripped = text.lstrip()
    if not stripped.upper().startswith("BEGIN:VCALENDAR"):
        raise MappingError(N_("The address did not return a calendar (no BEGIN:VCALENDAR)."))
    if "END:VCALENDAR" not in stripped.rstrip()[-40:].upper():
        raise MappingError(N_("The calendar file is incomplete (no END:VCALENDAR at its end)."))
    return stripped


def _parse(text: str) -> icalendar.Calendar:
    try:
        calendar = icalendar.Calendar.from_ical(text)
        return x_wr_timezone.to_standard(calendar)
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise MappingError(N_("The calendar file cannot be read: %(error)s"), error=str(error)[:200]) from error


def read_calendar(data: bytes) -> icalendar.Calendar:
    """Parse ICS bytes (a BOM, CRLF or bare LF, folded lines); MappingError for anything else."""
    return _parse(_calendar_text(data))


@dataclass
class RawCalendar:
    """A calendar file cut into its raw parts, without parsing any value: the calendar's own lines
    (and every component but the events), and each UID's VEVENT blocks (master and overrides)."""

    head: list[str]
    events: dict[str, list[str]]
    tail: list[str]

    def name(self) -> str:
        """X-WR-CALNAME, unescaped as icalendar would."""
        for line in self.head:
            key, _, value = line.partition(":")
            if key.split(";", 1)[0].upper() == "X-WR-CALNAME":
                return value.replace("\\,", ",").replace("\\;", ";").replace("\\n", " ").strip()[:200]
        return ""

    def text(self, uids: Iterable[str]) -> str:
        """A calendar of the head and only the given UIDs' events (what the mapper parses)."""
        blocks = [block for uid in uids for block in self.events.get(uid, [])]
        return "\r\n".join(self.head + blocks + self.tail) + "\r\n"


def _unfolded(text: str) -> list[str]:
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += line[1:]
        elif line:
            lines.append(line)
    return lines


def split_calendar(text: str) -> RawCalendar:
    """Cut the (unfolded) text into the head, each top-level VEVENT by its UID, and END:VCALENDAR."""
    head: list[str] = []
    events: dict[str, list[str]] = {}
    lines = _unfolded(text)
    tail = [lines.pop()] if lines and lines[-1].strip().upper() == "END:VCALENDAR" else []
    depth, inner, block, uid = 0, 0, [], ""  # inner: depth inside the VEVENT being read (0: none)
    for line in lines:
        upper = line.upper()
        if inner:
            block.append(line)
            if upper.startswith("BEGIN:"):
                inner += 1
            elif upper.startswith("END:"):
                inner -= 1
                if not inner:
                    events.setdefault(uid, []).append("\r\n".join(block))
            elif inner == 1 and line.split(":", 1)[0].split(";", 1)[0].upper() == "UID":
                uid = line.partition(":")[2].strip()
            continue
        if depth == 1 and upper.startswith("BEGIN:VEVENT"):
            inner, block, uid = 1, [line], ""
            continue
        head.append(line)
        if upper.startswith("BEGIN:"):
            depth += 1
        elif upper.startswith("END:"):
            depth -= 1
    if inner:
        raise MappingError(N_("The calendar file cannot be read: %(error)s"), error="BEGIN:VEVENT without END:VEVENT")
    return RawCalendar(head, events, tail)


def raw_digest(blocks: list[str]) -> str:
    """The digest of one UID's VEVENT blocks as written, without the lines every export rewrites
    (DTSTAMP, LAST-MODIFIED, SEQUENCE): the same digest means the same event."""
    parts = []
    for block in blocks:
        lines = [line for line in block.split("\r\n")
                 if line.split(":", 1)[0].split(";", 1)[0].upper() not in _VOLATILE]
        parts.append("\n".join(lines))
    return hashlib.sha256("\n--\n".join(sorted(parts)).encode()).hexdigest()


def map_calendar(data: bytes, *, window_start: datetime, window_end: datetime, network_tz: str,
                 known: Mapping[str, str] | None = None) -> MappedCalendar:
    """Every event of the file with its instances starting in [window_start, window_end).

    ``known`` maps UIDs to the digest last applied: an event whose raw digest is the same is neither
    parsed nor expanded; its UID is listed in ``unchanged`` instead of ``events``."""
    raw = split_calendar(_calendar_text(data))
    digests = {uid: raw_digest(blocks) for uid, blocks in raw.events.items() if uid}
    known = known or {}
    unchanged = [uid for uid, digest in digests.items() if known.get(uid[:500]) == digest]
    mapped = MappedCalendar(name=raw.name(), unchanged=[uid[:500] for uid in unchanged])
    skip = set(unchanged)
    todo = [uid for uid in raw.events if uid and uid not in skip]
    if not todo:
        return mapped
    calendar = _parse(raw.text(todo))
    by_uid: dict[str, list[Any]] = {}
    for component in calendar.walk("VEVENT"):
        uid = str(component.get("UID", "")).strip()
        if uid:
            by_uid.setdefault(uid, []).append(component)
    try:
        found = _expand(calendar, window_start, window_end)
    except Exception as error:  # the library raises its own and dateutil's errors for a bad file
        raise MappingError(N_("The calendar file cannot be read: %(error)s"), error=str(error)[:200]) from error
    instances_by_uid: dict[str, list[_Found]] = {}
    for item in found:
        instances_by_uid.setdefault(item.uid, []).append(item)
    for uid, components in by_uid.items():
        masters = [c for c in components if c.get("RECURRENCE-ID") is None]
        master = masters[0] if masters else components[0]
        digest = digests.get(uid) or _digest(components)
        try:
            event = _map_event(uid[:500], master, components, instances_by_uid.get(uid, []),
                               window_start, window_end, network_tz, digest)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise MappingError(N_("An event in the calendar cannot be read (%(uid)s): %(error)s"),
                               uid=uid[:80], error=str(error)[:200]) from error
        mapped.events.append(event)
    return mapped


@dataclass(frozen=True)
class _Found:
    """One date recurring-ical-events gives: its start, end, RECURRENCE-ID and STATUS (raw values)."""

    uid: str
    start: date | datetime
    end: date | datetime
    recurrence_id: date | datetime
    status: str


def _expand(calendar: icalendar.Calendar, window_start: datetime, window_end: datetime) -> list[_Found]:
    """Every date of the calendar's events in the window, as recurring-ical-events computes them.

    The library's public ``between`` builds a full copy of the event for each date (most of a first
    import's time); its occurrences carry the same start, end and source component, so they are read
    directly when the installed version has them (3.x), and through ``between`` otherwise."""
    query = recurring_ical_events.of(calendar, skip_bad_series=False)
    occurrences_between = getattr(query, "_occurrences_between", None)
    found = []
    if occurrences_between is not None and hasattr(query, "to_datetime"):
        for occurrence in occurrences_between(query.to_datetime(window_start), query.to_datetime(window_end)):
            component = occurrence._adapter._component
            if component.name != "VEVENT":
                continue
            rid = component.get("RECURRENCE-ID")
            found.append(_Found(str(component.get("UID", "")).strip(), occurrence.start, occurrence.end,
                                rid.dt if rid is not None else occurrence.start,
                                str(component.get("STATUS", "")).upper()))
        return found
    for component in query.between(window_start, window_end):
        rid = component.decoded("RECURRENCE-ID") if "RECURRENCE-ID" in component else component.decoded("DTSTART")
        found.append(_Found(str(component.get("UID", "")).strip(), component.decoded("DTSTART"),
                            component.decoded("DTEND"), rid, str(component.get("STATUS", "")).upper()))
    return found


def _digest(components: list[Any]) -> str:
    parts = []
    for component in components:
        lines = [line for line in component.to_ical().decode("utf-8").splitlines()
                 if line.split(":", 1)[0].split(";", 1)[0].upper() not in _VOLATILE]
        parts.append("\n".join(lines))
    return hashlib.sha256("\n--\n".join(sorted(parts)).encode()).hexdigest()


def _iana(tzinfo: Any) -> str | None:
    """An IANA name for a zone object from icalendar (zoneinfo, or the file's VTIMEZONE named by TZID)."""
    key = getattr(tzinfo, "key", None) or getattr(tzinfo, "zone", None)
    names = [key] if key else []
    try:
        names.append(tzinfo.tzname(datetime(2026, 1, 1)))
    except (TypeError, ValueError, AttributeError):
        pass
    for attribute in ("_tzid", "tzid"):
        value = getattr(tzinfo, attribute, None)
        if isinstance(value, str):
            names.insert(0, value)
    for name in names:
        if not name:
            continue
        name = str(name).strip('"')
        name = WINDOWS_TO_OLSON.get(name, name)
        try:
            zone(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        if "/" in name or name == "UTC":
            return name
    return None


def _same_rules(name: str, other: str, start: datetime, end: datetime) -> bool:
    """Both zones have the same UTC offsets through the window (Europe/Berlin and Europe/Oslo)."""
    a, b = zone(name), zone(other)
    moment = start
    while moment < end:
        if moment.astimezone(a).utcoffset() != moment.astimezone(b).utcoffset():
            return False
        moment += timedelta(days=7)
    return True


def _to_utc(value: date | datetime, network_tz: str) -> datetime:
    if not isinstance(value, datetime):
        return local_midnight_utc(value, network_tz)
    if value.tzinfo is None:
        return local_to_utc(value, network_tz)
    return value.astimezone(UTC)


def _text(component: Any, name: str, limit: int) -> str:
    value = component.get(name)
    return str(value).strip()[:limit] if value is not None else ""


def _map_event(uid: str, master: Any, components: list[Any], found: list[_Found], window_start: datetime,
               window_end: datetime, network_tz: str, digest: str) -> SourceEvent:
    dtstart = master.decoded("DTSTART")
    is_all_day = not isinstance(dtstart, datetime)
    if "DTEND" in master:
        length = master.decoded("DTEND") - dtstart
    elif "DURATION" in master:
        length = master.decoded("DURATION")
    else:
        length = timedelta(days=1) if is_all_day else timedelta(0)
    # The series' zone and wall-clock start.
    if is_all_day:
        tz, start_local = network_tz, datetime.combine(dtstart, time())
    elif dtstart.tzinfo is None:
        tz, start_local = network_tz, dtstart
    else:
        name = _iana(dtstart.tzinfo)
        if name and name not in (network_tz, "UTC") and _same_rules(name, network_tz, window_start, window_end):
            name = network_tz  # the same offsets: the same wall clock (W. Europe Standard Time in Oslo)
        if name == "UTC" and "RRULE" not in master:
            name = None  # a single UTC instant: shown in the network's zone
        if name is None:
            tz, start_local = network_tz, utc_to_local(dtstart.astimezone(UTC), network_tz)
        else:
            tz, start_local = name, dtstart.replace(tzinfo=None)
    all_day_days = max(1, length.days) if is_all_day else 1
    duration_minutes = None if is_all_day else max(0, int(length.total_seconds() // 60))

    def default_end(start_at: datetime) -> datetime:
        if is_all_day:
            local = utc_to_local(start_at, tz)
            return local_to_utc(local + timedelta(days=all_day_days), tz)
        return start_at + timedelta(minutes=duration_minutes or 0)

    instances = []
    for item in found:
        start_at = _to_utc(item.start, network_tz)
        if not window_start <= start_at < window_end:
            continue
        original = _to_utc(item.recurrence_id, network_tz)
        end_at = _to_utc(item.end, network_tz)
        cancelled = item.status == "CANCELLED"
        moved = (start_at, end_at) != (original, default_end(original))
        instances.append(Instance(original, start_at, end_at, cancelled, moved))
    instances.sort(key=lambda instance: instance.original_start_at)
    series_cancelled = str(master.get("STATUS", "")).upper() == "CANCELLED"
    if series_cancelled:  # the whole event is off: its dates are kept as they were, the series is cancelled
        instances = [Instance(i.original_start_at, i.start_at, i.end_at, False, i.is_moved) for i in instances]
    rrule, explicit, problem = None, False, ""
    raw_rule = master.get("RRULE")
    if isinstance(raw_rule, list):
        raw_rule = raw_rule[0] if len(raw_rule) == 1 else None
        if raw_rule is None:
            problem = N_("Several RRULEs: imported as its dates.")
    if raw_rule is not None or problem or "RDATE" in master:
        rrule, explicit, problem = _our_rule(raw_rule, master, components, instances, start_local, tz,
                                             is_all_day, window_start, window_end, network_tz, problem)
        if explicit:
            if instances:
                start_local = utc_to_local(instances[0].original_start_at, tz)
            rrule = EXPLICIT_RULE if len(instances) > 1 else None
    return SourceEvent(
        uid=uid, title=_text(master, "SUMMARY", 200) or uid[:200], description=_text(master, "DESCRIPTION", 20000),
        location=_text(master, "LOCATION", 500), start_local=start_local, timezone=tz, is_all_day=is_all_day,
        all_day_days=all_day_days, duration_minutes=duration_minutes, rrule=rrule, is_cancelled=series_cancelled,
        instances=instances, digest=digest, is_explicit=explicit, problem=problem,
    )


def _exdates(master: Any, network_tz: str) -> set[datetime]:
    values = master.get("EXDATE")
    if values is None:
        return set()
    found: set[datetime] = set()
    for prop in values if isinstance(values, list) else [values]:
        for item in prop.dts:
            found.add(_to_utc(item.dt, network_tz))
    return found


def _our_rule(raw_rule: Any, master: Any, components: list[Any], instances: list[Instance], start_local: datetime,
              tz: str, is_all_day: bool, window_start: datetime, window_end: datetime, network_tz: str,
              problem: str) -> tuple[str | None, bool, str]:
    """(our RRULE, False, "") when our model holds the source's rule exactly; else (None, True, why)."""
    if problem:
        return None, True, problem
    if "RDATE" in master:
        return None, True, N_("Extra dates (RDATE): imported as its dates.")
    text = raw_rule.to_ical().decode()
    try:
        rule = recurrence.from_rrule(text, start_local, tz)
        recurrence.validate(rule, start_local)
        ours = recurrence.to_rrule(rule, start_local, tz, all_day=is_all_day)
    except RecurrenceError:
        return None, True, _NOT_EXPRESSIBLE
    if ours is None:
        return None, True, _NOT_EXPRESSIBLE
    expected = {instance.original_start_at for instance in instances}
    # Overrides moved into or out of the window are found by their RECURRENCE-ID.
    for component in components:
        if "RECURRENCE-ID" in component:
            moment = _to_utc(component.decoded("RECURRENCE-ID"), network_tz)
            if window_start <= moment < window_end:
                expected.add(moment)
    got = set(recurrence.expand(ours, start_local, tz, window_start, window_end, all_day=is_all_day, limit=100_000))
    got -= _exdates(master, network_tz)
    if got != expected:
        return None, True, _NOT_EXPRESSIBLE
    return ours, False, ""
