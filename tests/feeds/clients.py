"""How three independent readers see a feed: icalendar (structure), recurring-ical-events and
the strict `ical` package (expansion), reduced to comparable (uid, recurrence id, start, end)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar
from ical.calendar_stream import IcsCalendarStream

from ink.core.time import local_midnight_utc
from ink.events.models import EventSeries
from ink.events.service import occurrences_between

UTC = timezone.utc
TZ = "Europe/Oslo"
Instance = tuple[str, datetime | None, datetime, datetime]


def instant(value: date | datetime) -> datetime:
    """An aware UTC instant; DATE values are local midnight in the network's zone."""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating: read in the network's zone
            value = value.replace(tzinfo=ZoneInfo(TZ))
        return value.astimezone(UTC)
    return local_midnight_utc(value, TZ)


def app_instances(start: datetime, end: datetime) -> set[Instance]:
    """The app's live occurrences overlapping [start, end)."""
    found: set[Instance] = set()
    for occ in occurrences_between(start, end):
        if occ.is_cancelled:
            continue
        series: EventSeries = occ.series
        rid = occ.original_start_at if series.rrule else None
        found.add((series.uid, rid, occ.start_at, occ.end_at))
    return found


def rie_instances(body: bytes, start: datetime, end: datetime, recurring_uids: set[str]) -> set[Instance]:
    calendar = Calendar.from_ical(body)
    found: set[Instance] = set()
    for event in recurring_ical_events.of(calendar).between(start, end):
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        uid = str(event["UID"])
        rid_prop = event.get("RECURRENCE-ID")
        rid = instant(rid_prop.dt) if rid_prop is not None else instant(event["DTSTART"].dt)
        found.add((uid, rid if uid in recurring_uids else None,
                   instant(event["DTSTART"].dt), instant(event["DTEND"].dt)))
    return found


def _rid_from_ical(value: str, zone) -> datetime:  # type: ignore[no-untyped-def]
    """`ical` gives recurrence ids as floating strings: read them in the event's own zone."""
    if "T" in value:
        wall = datetime.strptime(value[:15], "%Y%m%dT%H%M%S")
        if value.endswith("Z"):
            return wall.replace(tzinfo=UTC)
        return instant(wall.replace(tzinfo=zone) if zone is not None else wall)
    return instant(datetime.strptime(value[:8], "%Y%m%d").date())


def strict_instances(body: bytes, start: datetime, end: datetime, recurring_uids: set[str]) -> set[Instance]:
    calendar = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    found: set[Instance] = set()
    for event in calendar.timeline_tz(ZoneInfo(TZ)).overlapping(start, end):
        if event.status is not None and str(event.status.value if hasattr(event.status, "value") else event.status).upper() == "CANCELLED":
            continue
        zone = getattr(event.dtstart, "tzinfo", None)
        rid = _rid_from_ical(str(event.recurrence_id), zone) if event.recurrence_id else instant(event.dtstart)
        found.add((event.uid, rid if event.uid in recurring_uids else None,
                   instant(event.dtstart), instant(event.end)))
    return found


def year_window(year: int = 2026) -> tuple[datetime, datetime]:
    return (datetime.combine(date(year, 1, 1), time(), ZoneInfo(TZ)).astimezone(UTC),
            datetime.combine(date(year + 1, 1, 1), time(), ZoneInfo(TZ)).astimezone(UTC))
