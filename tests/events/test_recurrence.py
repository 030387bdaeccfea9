"""Behaviour of the pure recurrence module: RRULE round trips, validation and DST-correct expansion."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ink.events.recurrence import (
    Recurrence,
    RecurrenceError,
    expand,
    first_instances,
    from_rrule,
    normalize,
    to_rrule,
    validate,
    weekday_codes,
)

OSLO = "Europe/Oslo"
UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local_times(instants: list[datetime], tz: str = OSLO) -> list[datetime]:
    return [instant.astimezone(ZoneInfo(tz)).replace(tzinfo=None) for instant in instants]


def year_window(year: int) -> tuple[datetime, datetime]:
    return utc(year, 1, 1), utc(year + 1, 1, 1)


# --------------------------------------------------------------------------- to_rrule


@pytest.mark.parametrize(
    ("rec", "start", "expected"),
    [
        (Recurrence(), datetime(2026, 3, 14, 12), None),
        (Recurrence("daily"), datetime(2026, 1, 1, 9), "FREQ=DAILY"),
        (Recurrence("daily", interval=3), datetime(2026, 1, 1, 9), "FREQ=DAILY;INTERVAL=3"),
        (Recurrence("weekly"), datetime(2026, 1, 6, 18), "FREQ=WEEKLY;BYDAY=TU"),
        (Recurrence("weekly", weekdays=(3, 1)), datetime(2026, 1, 6, 17), "FREQ=WEEKLY;BYDAY=TU,TH"),
        (
            Recurrence("weekly", interval=2, weekdays=(0,)),
            datetime(2026, 1, 5, 18),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=MO",
        ),
        (Recurrence("monthly"), datetime(2026, 1, 15, 10), "FREQ=MONTHLY;BYMONTHDAY=15"),
        (Recurrence("monthly"), datetime(2026, 1, 31, 10), "FREQ=MONTHLY;BYMONTHDAY=31"),
        (
            Recurrence("monthly", monthly_mode="nth_weekday", nth=2),
            datetime(2026, 1, 13, 19),
            "FREQ=MONTHLY;BYDAY=2TU",
        ),
        (
            Recurrence("monthly", monthly_mode="nth_weekday", nth=-1),
            datetime(2026, 1, 30, 19),
            "FREQ=MONTHLY;BYDAY=-1FR",
        ),
        (Recurrence("yearly"), datetime(2026, 2, 1, 12), "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1"),
        (
            Recurrence("yearly", monthly_mode="nth_weekday", nth=2),
            datetime(2026, 3, 14, 10),
            "FREQ=YEARLY;BYMONTH=3;BYDAY=2SA",
        ),
        (Recurrence("daily", end="count", count=10), datetime(2026, 1, 1, 9), "FREQ=DAILY;COUNT=10"),
    ],
)
def test_to_rrule_is_canonical(rec: Recurrence, start: datetime, expected: str | None) -> None:
    assert to_rrule(rec, start, OSLO) == expected


def test_until_is_last_instant_of_local_day_in_utc() -> None:
    rec = Recurrence("weekly", end="until", until=date(2027, 6, 30))
    # 2027-07-01 00:00 CEST is 2027-06-30 22:00Z; one second earlier.
    assert to_rrule(rec, datetime(2026, 1, 6, 18), OSLO) == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630T215959Z"


def test_until_in_winter_uses_winter_offset() -> None:
    rec = Recurrence("daily", end="until", until=date(2026, 12, 31))
    assert to_rrule(rec, datetime(2026, 1, 1, 9), OSLO) == "FREQ=DAILY;UNTIL=20261231T225959Z"


def test_until_for_all_day_series_is_a_date() -> None:
    rec = Recurrence("yearly", end="until", until=date(2030, 6, 1))
    assert to_rrule(rec, datetime(2026, 6, 1), OSLO, all_day=True) == "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=1;UNTIL=20300601"


def test_to_rrule_rejects_invalid_recurrence() -> None:
    with pytest.raises(RecurrenceError) as excinfo:
        to_rrule(Recurrence("daily", interval=0), datetime(2026, 1, 1, 9), OSLO)
    assert excinfo.value.field == "interval"


def test_weekday_codes() -> None:
    assert weekday_codes() == ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


# --------------------------------------------------------------------------- round trip

ROUND_TRIP_CASES = [
    (Recurrence(), datetime(2026, 3, 14, 12)),
    (Recurrence("daily"), datetime(2026, 1, 1, 9)),
    (Recurrence("daily", interval=3), datetime(2026, 1, 1, 9)),
    (Recurrence("daily", interval=99, end="count", count=1000), datetime(2026, 1, 1, 9)),
    (Recurrence("weekly"), datetime(2026, 1, 6, 18)),
    (Recurrence("weekly", weekdays=(1, 3)), datetime(2026, 1, 6, 17)),
    (Recurrence("weekly", weekdays=tuple(range(7))), datetime(2026, 1, 7, 17)),
    (Recurrence("weekly", interval=2, weekdays=(0, 4)), datetime(2026, 1, 5, 18)),
    (Recurrence("weekly", end="until", until=date(2027, 6, 30)), datetime(2026, 1, 6, 18)),
    (Recurrence("weekly", end="until", until=date(2026, 1, 6)), datetime(2026, 1, 6, 23, 30)),
    (Recurrence("weekly", end="until", until=date(2026, 3, 29)), datetime(2026, 1, 4, 0, 0)),
    (Recurrence("monthly"), datetime(2026, 1, 15, 10)),
    (Recurrence("monthly", interval=6), datetime(2026, 1, 31, 10)),
    (Recurrence("monthly", monthly_mode="nth_weekday", nth=2), datetime(2026, 1, 13, 19)),
    (Recurrence("monthly", monthly_mode="nth_weekday", nth=-1), datetime(2026, 1, 30, 19)),
    (Recurrence("monthly", monthly_mode="nth_weekday", nth=4), datetime(2026, 1, 27, 19)),  # 4th and last
    (Recurrence("monthly", monthly_mode="nth_weekday", end="count", count=5), datetime(2026, 1, 13, 19)),
    (Recurrence("yearly"), datetime(2026, 2, 1, 12)),
    (Recurrence("yearly", interval=4), datetime(2028, 2, 29, 12)),
    (Recurrence("yearly", monthly_mode="nth_weekday", nth=2), datetime(2026, 3, 14, 10)),
    (
        Recurrence("yearly", monthly_mode="nth_weekday", nth=-1, end="until", until=date(2035, 10, 31)),
        datetime(2026, 10, 25, 2, 30),
    ),
]


@pytest.mark.parametrize(("rec", "start"), ROUND_TRIP_CASES)
@pytest.mark.parametrize("tz", [OSLO, "America/New_York", "UTC", "Pacific/Auckland"])
def test_round_trip(rec: Recurrence, start: datetime, tz: str) -> None:
    rule = to_rrule(rec, start, tz)
    assert from_rrule(rule, start, tz) == normalize(rec, start)
    assert to_rrule(from_rrule(rule, start, tz), start, tz) == rule


@pytest.mark.parametrize(("rec", "start"), ROUND_TRIP_CASES)
def test_round_trip_all_day(rec: Recurrence, start: datetime) -> None:
    midnight = datetime.combine(start.date(), datetime.min.time())
    rule = to_rrule(rec, midnight, OSLO, all_day=True)
    assert from_rrule(rule, midnight) == normalize(rec, midnight)


@pytest.mark.parametrize(("rec", "start"), ROUND_TRIP_CASES)
def test_round_trip_without_zone_in_oslo(rec: Recurrence, start: datetime) -> None:
    # Callers that do not pass the zone still get the right UNTIL date for Oslo.
    assert from_rrule(to_rrule(rec, start, OSLO), start) == normalize(rec, start)


def test_normalize_fills_defaults_and_clears_irrelevant_fields() -> None:
    start = datetime(2026, 1, 30, 19)  # last (and 5th) Friday
    assert normalize(Recurrence("weekly", interval=1), start).weekdays == (4,)
    assert normalize(Recurrence("monthly", monthly_mode="nth_weekday"), start).nth == -1
    assert normalize(Recurrence("daily", weekdays=(1,), nth=2, until=date(2027, 1, 1)), start) == Recurrence("daily")
    assert normalize(Recurrence("once", interval=5, end="count", count=3), start) == Recurrence()


# --------------------------------------------------------------------------- from_rrule


def test_from_rrule_none_is_once() -> None:
    assert from_rrule(None, datetime(2026, 1, 1, 9)) == Recurrence()


def test_from_rrule_tolerates_prefix_case_and_order() -> None:
    start = datetime(2026, 1, 6, 17)
    rec = from_rrule("RRULE:byday=th,tu;COUNT=10;freq=weekly", start)
    assert rec == Recurrence("weekly", weekdays=(1, 3), end="count", count=10)


def test_from_rrule_accepts_bysetpos_form() -> None:
    rec = from_rrule("FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1", datetime(2026, 1, 30, 19))
    assert rec == Recurrence("monthly", monthly_mode="nth_weekday", nth=-1)


def test_from_rrule_defaults_to_start_day_without_by_parts() -> None:
    assert from_rrule("FREQ=MONTHLY", datetime(2026, 1, 15, 10)) == Recurrence("monthly")
    assert from_rrule("FREQ=WEEKLY", datetime(2026, 1, 6, 10)) == Recurrence("weekly", weekdays=(1,))


def test_from_rrule_maps_foreign_until_to_last_instance_date() -> None:
    start = datetime(2026, 1, 6, 18)
    # Some clients put the exact last instance (18:00 CET = 17:00Z) in UNTIL.
    assert from_rrule("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630T160000Z", start, OSLO).until == date(2026, 6, 30)
    # An UNTIL earlier in the day than the start time excludes that day.
    assert from_rrule("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630T100000Z", start, OSLO).until == date(2026, 6, 29)
    assert from_rrule("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260630", start).until == date(2026, 6, 30)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY",
        "FREQ=HOURLY",
        "BYDAY=XX",
        "FREQ=WEEKLY;BYDAY=XX",
        "",
        "RRULE:",
        "FREQ=WEEKLY;COUNT=abc",
        "FREQ=WEEKLY;COUNT=5;UNTIL=20270101T000000Z",
        "FREQ=WEEKLY;UNTIL=tomorrow",
        "FREQ=WEEKLY;FREQ=DAILY",
        "FREQ=WEEKLY;BYDAY",
        "FREQ=DAILY;BYHOUR=9",
        "FREQ=DAILY;BYDAY=MO",
        "FREQ=WEEKLY;BYDAY=2TU",
        "FREQ=MONTHLY;BYDAY=TU",
        "FREQ=MONTHLY;BYDAY=1TU,3TU",
        "FREQ=MONTHLY;BYMONTHDAY=1,15",
        "FREQ=MONTHLY;BYDAY=2TU;BYMONTHDAY=13",
        "FREQ=MONTHLY;BYMONTH=3",
        "FREQ=YEARLY;BYMONTH=3,4",
        "FREQ=WEEKLY;INTERVAL=0",
        "FREQ=WEEKLY;INTERVAL=100",
        "FREQ=WEEKLY;COUNT=0",
        "FREQ=WEEKLY;COUNT=1001",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU",
    ],
)
def test_from_rrule_rejects_garbage_and_unrepresentable_rules(rule: str) -> None:
    with pytest.raises(RecurrenceError) as excinfo:
        from_rrule(rule, datetime(2026, 1, 13, 19))  # a Tuesday, the 2nd of its month
    assert excinfo.value.field == "rrule"


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;BYDAY=WE",  # start is a Tuesday
        "FREQ=MONTHLY;BYMONTHDAY=14",
        "FREQ=MONTHLY;BYDAY=3TU",
        "FREQ=MONTHLY;BYDAY=-1TU",
        "FREQ=MONTHLY;BYDAY=2WE",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=13",
        "FREQ=WEEKLY;UNTIL=20251231",
    ],
)
def test_from_rrule_rejects_rules_not_synchronised_with_start(rule: str) -> None:
    with pytest.raises(RecurrenceError) as excinfo:
        from_rrule(rule, datetime(2026, 1, 13, 19))
    assert excinfo.value.field == "rrule"


# --------------------------------------------------------------------------- validate


@pytest.mark.parametrize(
    ("rec", "field"),
    [
        (Recurrence("weekly", end="until", until=date(2026, 1, 5)), "until"),
        (Recurrence("weekly", end="until", until=None), "until"),
        (Recurrence("weekly", end="count", count=0), "count"),
        (Recurrence("weekly", end="count", count=1001), "count"),
        (Recurrence("weekly", end="count", count=None), "count"),
        (Recurrence("daily", interval=0), "interval"),
        (Recurrence("daily", interval=100), "interval"),
        (Recurrence("weekly", weekdays=(1, 7)), "weekdays"),
        (Recurrence("weekly", weekdays=(-1, 1)), "weekdays"),
        (Recurrence("weekly", weekdays=(2, 3)), "weekdays"),  # start (Tuesday) not among them
        (Recurrence("monthly", monthly_mode="nth_weekday", nth=5), "nth"),
        (Recurrence("monthly", monthly_mode="nth_weekday", nth=0), "nth"),
        (Recurrence("monthly", monthly_mode="nth_weekday", nth=3), "nth"),  # start is the 1st Tuesday
        (Recurrence("yearly", monthly_mode="nth_weekday", nth=-1), "nth"),
        (Recurrence("hourly"), "freq"),  # type: ignore[arg-type]
    ],
)
def test_validate_errors_name_the_field(rec: Recurrence, field: str) -> None:
    with pytest.raises(RecurrenceError) as excinfo:
        validate(rec, datetime(2026, 1, 6, 18))  # Tuesday 6 January 2026
    assert excinfo.value.field == field
    assert str(excinfo.value)


@pytest.mark.parametrize(
    ("rec", "start"),
    [
        (Recurrence(), datetime(2026, 1, 6, 18)),
        (Recurrence("weekly", end="until", until=date(2026, 1, 6)), datetime(2026, 1, 6, 18)),
        (Recurrence("weekly", end="count", count=1), datetime(2026, 1, 6, 18)),
        (Recurrence("weekly", end="count", count=1000), datetime(2026, 1, 6, 18)),
        (Recurrence("daily", interval=99), datetime(2026, 1, 6, 18)),
        (Recurrence("monthly"), datetime(2026, 1, 31, 18)),  # 31st: short months are skipped
        (Recurrence("monthly", monthly_mode="nth_weekday", nth=4), datetime(2026, 1, 27, 18)),
        (Recurrence("monthly", monthly_mode="nth_weekday", nth=-1), datetime(2026, 1, 27, 18)),
        (Recurrence("monthly", monthly_mode="nth_weekday"), datetime(2026, 1, 29, 18)),  # 5th Thursday
    ],
)
def test_validate_accepts(rec: Recurrence, start: datetime) -> None:
    validate(rec, start)


def test_recurrence_error_is_value_error() -> None:
    error = RecurrenceError("bad", "count")
    assert isinstance(error, ValueError)
    assert (error.field, str(error)) == ("count", "bad")


# --------------------------------------------------------------------------- expand: patterns


def test_one_off_in_and_out_of_window() -> None:
    start = datetime(2026, 3, 14, 12)
    assert expand(None, start, OSLO, utc(2026, 3, 1), utc(2026, 4, 1)) == [utc(2026, 3, 14, 11)]
    assert expand(None, start, OSLO, utc(2026, 3, 15), utc(2026, 4, 1)) == []


def test_daily() -> None:
    got = expand("FREQ=DAILY", datetime(2026, 1, 1, 9), OSLO, utc(2026, 1, 1), utc(2026, 1, 4))
    assert got == [utc(2026, 1, 1, 8), utc(2026, 1, 2, 8), utc(2026, 1, 3, 8)]


def test_daily_every_three_days() -> None:
    got = expand("FREQ=DAILY;INTERVAL=3", datetime(2026, 1, 1, 9), OSLO, utc(2026, 1, 1), utc(2026, 1, 12))
    assert [d.day for d in local_times(got)] == [1, 4, 7, 10]


def test_weekly_one_weekday() -> None:
    got = expand("FREQ=WEEKLY;BYDAY=TU", datetime(2026, 1, 6, 18), OSLO, utc(2026, 1, 1), utc(2026, 2, 1))
    assert local_times(got) == [datetime(2026, 1, d, 18) for d in (6, 13, 20, 27)]


def test_weekly_tuesday_and_thursday() -> None:
    got = expand("FREQ=WEEKLY;BYDAY=TU,TH", datetime(2026, 1, 6, 17), OSLO, utc(2026, 1, 1), utc(2026, 1, 20))
    assert [d.day for d in local_times(got)] == [6, 8, 13, 15]
    assert {d.hour for d in local_times(got)} == {17}


def test_every_two_weeks() -> None:
    got = expand(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;WKST=MO", datetime(2026, 1, 5, 18), OSLO, utc(2026, 1, 1), utc(2026, 3, 1)
    )
    assert [d.date() for d in local_times(got)] == [
        date(2026, 1, 5),
        date(2026, 1, 19),
        date(2026, 2, 2),
        date(2026, 2, 16),
    ]


def test_every_two_weeks_on_two_days_keeps_week_parity() -> None:
    got = expand(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;WKST=MO", datetime(2026, 1, 5, 18), OSLO, utc(2026, 1, 1), utc(2026, 2, 1)
    )
    assert [d.day for d in local_times(got)] == [5, 9, 19, 23]


def test_monthly_on_the_31st_skips_short_months() -> None:
    got = expand("FREQ=MONTHLY;BYMONTHDAY=31", datetime(2026, 1, 31, 10), OSLO, *year_window(2026))
    assert [d.month for d in local_times(got)] == [1, 3, 5, 7, 8, 10, 12]
    assert {d.day for d in local_times(got)} == {31}


def test_monthly_second_tuesday() -> None:
    got = expand("FREQ=MONTHLY;BYDAY=2TU", datetime(2026, 1, 13, 19), OSLO, utc(2026, 1, 1), utc(2026, 5, 1))
    assert [d.date() for d in local_times(got)] == [
        date(2026, 1, 13),
        date(2026, 2, 10),
        date(2026, 3, 10),
        date(2026, 4, 14),
    ]


def test_monthly_last_friday() -> None:
    got = expand("FREQ=MONTHLY;BYDAY=-1FR", datetime(2026, 1, 30, 19), OSLO, utc(2026, 1, 1), utc(2026, 6, 1))
    assert [d.date() for d in local_times(got)] == [
        date(2026, 1, 30),
        date(2026, 2, 27),
        date(2026, 3, 27),
        date(2026, 4, 24),
        date(2026, 5, 29),
    ]


def test_yearly_on_a_date() -> None:
    got = expand("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1", datetime(2026, 2, 1, 12), OSLO, utc(2026, 1, 1), utc(2029, 1, 1))
    assert local_times(got) == [datetime(y, 2, 1, 12) for y in (2026, 2027, 2028)]


def test_yearly_second_saturday_of_march() -> None:
    got = expand("FREQ=YEARLY;BYMONTH=3;BYDAY=2SA", datetime(2026, 3, 14, 10), OSLO, utc(2026, 1, 1), utc(2029, 1, 1))
    assert [d.date() for d in local_times(got)] == [date(2026, 3, 14), date(2027, 3, 13), date(2028, 3, 11)]


def test_yearly_on_29_february_skips_common_years() -> None:
    got = expand("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", datetime(2024, 2, 29, 12), OSLO, utc(2024, 1, 1), utc(2033, 1, 1))
    assert [d.year for d in got] == [2024, 2028, 2032]


# --------------------------------------------------------------------------- expand: ends


def test_end_never_keeps_going() -> None:
    got = expand("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1", datetime(2026, 2, 1, 12), OSLO, *year_window(2126))
    assert got == [utc(2126, 2, 1, 11)]


def test_until_is_inclusive_of_the_until_day() -> None:
    start = datetime(2026, 1, 6, 18)
    rule = to_rrule(Recurrence("weekly", end="until", until=date(2026, 6, 30)), start, OSLO)
    assert rule is not None and rule.endswith("UNTIL=20260630T215959Z")
    got = local_times(expand(rule, start, OSLO, *year_window(2026)))
    assert got[-1] == datetime(2026, 6, 30, 18)
    assert len(got) == 26


def test_until_late_evening_instance_on_until_day_is_included() -> None:
    start = datetime(2026, 1, 6, 23, 30)  # 23:30 CEST on the until day is 21:30Z, before 21:59:59Z
    rule = to_rrule(Recurrence("weekly", end="until", until=date(2026, 6, 30)), start, OSLO)
    got = local_times(expand(rule, start, OSLO, *year_window(2026)))
    assert got[-1] == datetime(2026, 6, 30, 23, 30)


def test_utc_until_compared_as_instant_not_wall_clock() -> None:
    # UNTIL 17:00Z is 19:00 in Oslo (summer): the 18:00 local instance (16:00Z) is included,
    # the 20:00 one (18:00Z) is not, although both wall clocks are "after" 17:00.
    start = datetime(2026, 6, 29, 18)
    got = expand("FREQ=DAILY;UNTIL=20260630T170000Z", start, OSLO, *year_window(2026))
    assert got == [utc(2026, 6, 29, 16), utc(2026, 6, 30, 16)]
    got_late = expand("FREQ=DAILY;UNTIL=20260630T170000Z", datetime(2026, 6, 29, 20), OSLO, *year_window(2026))
    assert got_late == [utc(2026, 6, 29, 18)]


def test_count_counts_from_dtstart_even_when_window_starts_later() -> None:
    start = datetime(2026, 1, 1, 9)
    rule = to_rrule(Recurrence("daily", end="count", count=10), start, OSLO)
    got = expand(rule, start, OSLO, utc(2026, 1, 5), utc(2026, 2, 1))
    assert [d.day for d in local_times(got)] == [5, 6, 7, 8, 9, 10]
    assert len(expand(rule, start, OSLO, utc(2025, 1, 1), utc(2027, 1, 1))) == 10
    assert expand(rule, start, OSLO, utc(2026, 1, 11), utc(2026, 2, 1)) == []


def test_count_with_monthly_nth_weekday() -> None:
    got = expand("FREQ=MONTHLY;BYDAY=2TU;COUNT=3", datetime(2026, 1, 13, 19), OSLO, *year_window(2026))
    assert [d.month for d in got] == [1, 2, 3]


# --------------------------------------------------------------------------- expand: DST


def test_weekly_series_stays_at_local_wall_clock_across_dst() -> None:
    start = datetime(2026, 1, 6, 18)
    got = expand("FREQ=WEEKLY;BYDAY=TU", start, OSLO, utc(2026, 1, 1), utc(2027, 1, 1))
    assert len(got) == 52
    assert all(t.time() == datetime(2026, 1, 1, 18).time() for t in local_times(got))
    for instant in got:
        summer = datetime(2026, 3, 29, 1, tzinfo=UTC) <= instant < datetime(2026, 10, 25, 1, tzinfo=UTC)
        assert instant.hour == (16 if summer else 17), instant
    assert utc(2026, 3, 24, 17) in got and utc(2026, 3, 31, 16) in got
    assert utc(2026, 10, 20, 16) in got and utc(2026, 10, 27, 17) in got


def test_spring_forward_gap_uses_offset_before_the_gap() -> None:
    got = expand("FREQ=DAILY", datetime(2026, 3, 27, 2, 30), OSLO, utc(2026, 3, 28), utc(2026, 3, 31))
    assert got == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]
    on_the_day = [t for t in got if t.astimezone(ZoneInfo(OSLO)).date() == date(2026, 3, 29)]
    assert len(on_the_day) == 1
    assert on_the_day[0].astimezone(ZoneInfo(OSLO)).replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)


def test_fall_back_ambiguous_time_takes_first_occurrence() -> None:
    got = expand("FREQ=DAILY", datetime(2026, 10, 23, 2, 30), OSLO, utc(2026, 10, 24), utc(2026, 10, 27))
    assert got == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    window = expand("FREQ=DAILY", datetime(2026, 10, 23, 2, 30), OSLO, utc(2026, 10, 24, 22), utc(2026, 10, 25, 22))
    assert window == [utc(2026, 10, 25, 0, 30)]


def test_hourly_rule_in_gap_is_deduplicated() -> None:
    # 02:00 (gap -> 01:00Z) and 03:00 CEST (01:00Z) are the same instant.
    got = expand("FREQ=HOURLY", datetime(2026, 3, 29, 0, 0), OSLO, utc(2026, 3, 28, 23), utc(2026, 3, 29, 3))
    assert got == [utc(2026, 3, 28, 23), utc(2026, 3, 29, 0), utc(2026, 3, 29, 1), utc(2026, 3, 29, 2)]


def test_all_day_yearly_series_returns_local_midnights_in_utc() -> None:
    start = datetime(2026, 6, 1)  # Children's Day style: 1 June every year
    rule = to_rrule(Recurrence("yearly"), start, OSLO, all_day=True)
    got = expand(rule, start, OSLO, utc(2026, 1, 1), utc(2029, 1, 1), all_day=True)
    assert got == [utc(2026, 5, 31, 22), utc(2027, 5, 31, 22), utc(2028, 5, 31, 22)]


def test_all_day_series_in_winter_and_with_date_until() -> None:
    start = datetime(2026, 2, 1)
    rule = to_rrule(Recurrence("yearly", end="until", until=date(2028, 2, 1)), start, OSLO, all_day=True)
    assert rule == "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=1;UNTIL=20280201"
    got = expand(rule, start, OSLO, utc(2020, 1, 1), utc(2040, 1, 1), all_day=True)
    assert got == [utc(2026, 1, 31, 23), utc(2027, 1, 31, 23), utc(2028, 1, 31, 23)]


def test_all_day_ignores_time_of_start() -> None:
    got = expand("FREQ=DAILY;COUNT=2", datetime(2026, 2, 1, 13, 45), OSLO, utc(2026, 1, 1), utc(2027, 1, 1), all_day=True)
    assert got == [utc(2026, 1, 31, 23), utc(2026, 2, 1, 23)]


# --------------------------------------------------------------------------- expand: window, limit


def test_window_is_half_open() -> None:
    start = datetime(2026, 1, 1, 9)
    got = expand("FREQ=DAILY", start, OSLO, utc(2026, 1, 2, 8), utc(2026, 1, 4, 8))
    assert got == [utc(2026, 1, 2, 8), utc(2026, 1, 3, 8)]


def test_window_bounds_in_any_zone() -> None:
    start = datetime(2026, 1, 1, 9)
    new_york = ZoneInfo("America/New_York")
    got = expand("FREQ=DAILY", start, OSLO, datetime(2026, 1, 2, 3, tzinfo=new_york), datetime(2026, 1, 3, 3, tzinfo=new_york))
    assert got == [utc(2026, 1, 2, 8)]
    assert all(t.tzinfo is UTC for t in got)


def test_naive_window_bounds_are_rejected() -> None:
    with pytest.raises(ValueError):
        expand("FREQ=DAILY", datetime(2026, 1, 1, 9), OSLO, datetime(2026, 1, 1), datetime(2026, 2, 1))


def test_limit_is_honoured_and_returns_earliest() -> None:
    start = datetime(2026, 1, 1, 9)
    got = expand("FREQ=DAILY", start, OSLO, utc(2026, 1, 1), utc(2027, 1, 1), limit=5)
    assert got == [utc(2026, 1, d, 8) for d in range(1, 6)]
    assert expand("FREQ=DAILY", start, OSLO, utc(2026, 1, 1), utc(2027, 1, 1), limit=0) == []


def test_default_limit_caps_huge_expansions() -> None:
    got = expand("FREQ=HOURLY", datetime(2026, 1, 1), OSLO, utc(2026, 1, 1), utc(2027, 1, 1))
    assert len(got) == 5000


def test_long_running_daily_series_expands_only_the_window() -> None:
    start = datetime(2016, 1, 1, 9)
    got = expand("FREQ=DAILY", start, OSLO, utc(2026, 3, 1), utc(2026, 4, 1))
    assert len(got) == 31
    assert got[0] == utc(2026, 3, 1, 8) and got[-1] == utc(2026, 3, 31, 7)


@pytest.mark.parametrize(
    "rule",
    ["FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,TH;WKST=MO", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"],
)
def test_fast_forward_matches_full_iteration(rule: str) -> None:
    start = datetime(2016, 1, 1, 9)  # a Friday
    window = (utc(2026, 3, 1), utc(2026, 6, 1))
    full = expand(rule, start, OSLO, utc(2016, 1, 1), utc(2026, 6, 1), limit=100_000)
    assert expand(rule, start, OSLO, *window) == [t for t in full if window[0] <= t < window[1]]


def test_dtstart_is_always_an_instance() -> None:
    # An imported rule not synchronised with its start still yields DTSTART (RFC 5545).
    got = expand("FREQ=WEEKLY;BYDAY=TU", datetime(2026, 1, 5, 18), OSLO, utc(2026, 1, 1), utc(2026, 1, 14))
    assert [d.day for d in local_times(got)] == [5, 6, 13]


@pytest.mark.parametrize("rule", ["", "FREQ=WEEKLY;COUNT=abc", "BYDAY=XX", "FREQ=WEEKLY;BYDAY=XX"])
def test_expand_rejects_malformed_rules(rule: str) -> None:
    with pytest.raises(RecurrenceError) as excinfo:
        expand(rule, datetime(2026, 1, 6, 18), OSLO, utc(2026, 1, 1), utc(2027, 1, 1))
    assert excinfo.value.field == "rrule"


# --------------------------------------------------------------------------- first_instances


def test_first_instances_from_an_instant() -> None:
    start = datetime(2026, 1, 6, 17)
    got = first_instances("FREQ=WEEKLY;BYDAY=TU,TH", start, OSLO, utc(2026, 3, 1), 4)
    assert local_times(got) == [datetime(2026, 3, d, 17) for d in (3, 5, 10, 12)]


def test_first_instances_includes_instance_at_after() -> None:
    got = first_instances("FREQ=DAILY", datetime(2026, 1, 1, 9), OSLO, utc(2026, 1, 3, 8), 2)
    assert got == [utc(2026, 1, 3, 8), utc(2026, 1, 4, 8)]


def test_first_instances_stops_at_end_of_series() -> None:
    rule = "FREQ=DAILY;COUNT=3"
    assert len(first_instances(rule, datetime(2026, 1, 1, 9), OSLO, utc(2025, 1, 1), 10)) == 3
    assert first_instances(None, datetime(2026, 1, 1, 9), OSLO, utc(2025, 1, 1), 3) == [utc(2026, 1, 1, 8)]
    assert first_instances(rule, datetime(2026, 1, 1, 9), OSLO, utc(2025, 1, 1), 0) == []


def test_first_instances_all_day() -> None:
    got = first_instances("FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=1", datetime(2026, 6, 1), OSLO, utc(2026, 6, 2), 2, all_day=True)
    assert got == [utc(2027, 5, 31, 22), utc(2028, 5, 31, 22)]


def test_expand_is_deterministic_and_sorted() -> None:
    args = ("FREQ=WEEKLY;BYDAY=MO,WE,FR", datetime(2026, 1, 5, 7), OSLO, utc(2026, 1, 1), utc(2027, 1, 1))
    first, second = expand(*args), expand(*args)
    assert first == second == sorted(set(first))
    assert timedelta(0) not in {b - a for a, b in zip(first, first[1:])}
