"""VTIMEZONE components with yearly rules, derived from zoneinfo's transitions.

icalendar's own generator writes DTSTART + RDATE lists and a COMMENT (not allowed in VTIMEZONE);
Outlook mis-reads RDATE-only zones. Here each run of transitions that follow the same rule
(e.g. "last Sunday of March at 02:00, +01:00 -> +02:00") becomes one STANDARD or DAYLIGHT
sub-component with an RRULE (FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU), closed with UNTIL when the
rule stops inside the range. Pure: zoneinfo (through ink.core.time) and icalendar only.
"""
from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from ink.core.time import UTC, in_zone

_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    at: datetime  # the UTC instant the new offset starts
    offset_from: timedelta
    offset_to: timedelta
    is_dst: bool  # daylight time after the transition
    name: str  # abbreviation after the transition (CET, CEST)

    @property
    def local_before(self) -> datetime:
        """Wall-clock time of the transition in the old offset (what VTIMEZONE DTSTART holds)."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    @property
    def rule_key(self) -> tuple[bool, int, int, int, time, timedelta, timedelta, str]:
        local = self.local_before
        days_in_month = _calendar.monthrange(local.year, local.month)[1]
        week = -1 if local.day + 7 > days_in_month else (local.day - 1) // 7 + 1
        return (self.is_dst, local.month, local.weekday(), week, local.time(),
                self.offset_from, self.offset_to, self.name)


def _offset(moment: datetime, tz: str) -> tuple[timedelta, timedelta, str]:
    local = in_zone(moment, tz)
    return local.utcoffset() or timedelta(0), local.dst() or timedelta(0), local.tzname() or ""


@lru_cache(maxsize=64)
def transitions(tz: str, first_year: int, last_year: int) -> tuple[Transition, ...]:
    """Offset changes of ``tz`` from 1 January ``first_year`` to 31 December ``last_year`` (UTC)."""
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    found: list[Transition] = []
    before = _offset(moment, tz)
    while moment < end:
        step = moment + timedelta(days=1)
        after = _offset(step, tz)
        if after != before:
            low, high = moment, step
            while high - low > timedelta(minutes=1):  # zone changes happen on whole minutes
                middle = low + (high - low) / 2
                if _offset(middle, tz) == before:
                    low = middle
                else:
                    high = middle
            at = high.replace(second=0, microsecond=0)
            if _offset(at, tz) != after:
                at += timedelta(minutes=1)
            found.append(Transition(at, before[0], after[0], after[1] != timedelta(0), after[2]))
            before = after
        moment = step
    return tuple(found)


def _runs(items: list[Transition]) -> list[list[Transition]]:
    runs: list[list[Transition]] = []
    for item in items:
        if runs and runs[-1][-1].rule_key == item.rule_key and runs[-1][-1].at.year + 1 == item.at.year:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def vtimezone(tz: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for ``tz`` valid from ``first_year`` on (open-ended when the rules last)."""
    component = Timezone()
    component.add("tzid", tz)
    changes = transitions(tz, first_year - 1, last_year + 1)
    if not changes:
        offset, _dst, name = _offset(datetime(first_year, 1, 1, tzinfo=UTC), tz)
        standard = TimezoneStandard()
        standard.add("dtstart", datetime(1970, 1, 1))
        standard.add("tzoffsetfrom", offset)
        standard.add("tzoffsetto", offset)
        if name:
            standard.add("tzname", name)
        component.add_component(standard)
        return component
    for kind in (False, True):  # STANDARD first, then DAYLIGHT: a stable order
        for run in _runs([change for change in changes if change.is_dst == kind]):
            component.add_component(_sub_component(run, open_ended=run[-1].at.year >= last_year + 1))
    return component


def _sub_component(run: list[Transition], *, open_ended: bool) -> TimezoneStandard | TimezoneDaylight:
    first = run[0]
    sub = TimezoneDaylight() if first.is_dst else TimezoneStandard()
    sub.add("dtstart", first.local_before)
    sub.add("tzoffsetfrom", first.offset_from)
    sub.add("tzoffsetto", first.offset_to)
    if len(run) > 1 or open_ended:
        _is_dst, month, weekday, week, *_rest = first.rule_key
        rule: dict[str, object] = {"FREQ": "YEARLY", "BYMONTH": month, "BYDAY": f"{week}{_DAY_CODES[weekday]}"}
        if not open_ended:
            rule["UNTIL"] = run[-1].at.replace(tzinfo=UTC)
        sub.add("rrule", vRecur(rule))
    if first.name:
        sub.add("tzname", first.name)
    return sub
