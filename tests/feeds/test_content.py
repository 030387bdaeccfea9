"""What the feeds contain: calendar properties, time zones, overrides, window, text round trips."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import recurring_ical_events
from icalendar import Calendar
from ical.calendar_stream import IcsCalendarStream

from ink.events import service
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.feeds.ical import FeedMeta, FeedOccurrence, build_calendar
from tests.feeds.network import build_network, occurrence_on

UTC = timezone.utc


@pytest.fixture
def network(factory, clock):  # type: ignore[no-untyped-def]
    return build_network(factory, clock)


def _events(body: bytes, uid: str | None = None) -> list:  # type: ignore[type-arg]
    events = Calendar.from_ical(body).walk("VEVENT")
    return [event for event in events if uid is None or str(event["UID"]) == uid]


def test_calendar_properties_and_one_rule_based_vtimezone(client, network) -> None:
    body = client.get("/calendar.ics").data
    text = body.decode()
    calendar = Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    assert str(calendar["METHOD"]) == "PUBLISH"
    for name in ("NAME", "X-WR-CALNAME", "DESCRIPTION", "X-WR-CALDESC"):
        assert str(calendar[name])
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Oslo"
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in text
    assert "\r\nX-PUBLISHED-TTL:PT6H\r\n" in text
    assert "ATTENDEE" not in text
    events = calendar.walk("VEVENT")
    assert events and all("ORGANIZER" in event for event in events)  # RFC 5546 §3.2.1
    zones = calendar.walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in zones] == ["Europe/Oslo"]
    zone = zones[0]
    assert "COMMENT" not in zone and "RDATE" not in zone.to_ical().decode()
    rules = {sub.name: sub["RRULE"] for sub in zone.subcomponents}
    assert rules["STANDARD"]["BYMONTH"] == [10] and rules["STANDARD"]["BYDAY"] == ["-1SU"]
    assert rules["DAYLIGHT"]["BYMONTH"] == [3] and rules["DAYLIGHT"]["BYDAY"] == ["-1SU"]
    # valid for the feed's range: starts before the earliest event
    earliest = min(event["DTSTART"].dt for event in calendar.walk("VEVENT")
                   if isinstance(event["DTSTART"].dt, datetime))
    assert all(sub["DTSTART"].dt.year < earliest.year for sub in zone.subcomponents)
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
    assert all(not component.errors for component in calendar.walk())


def test_master_event_properties(client, network) -> None:
    cafe = network.series["cafe"]
    body = client.get(f"/events/{cafe.id}.ics", headers={"Host": "evil.example"}).data
    master = next(e for e in _events(body) if "RECURRENCE-ID" not in e)
    assert master["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert master["DTEND"].params["TZID"] == "Europe/Oslo"
    assert "DURATION" not in master
    rule = master["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["TU", "TH"]
    assert master["DTSTAMP"].dt == cafe.updated_at and master["LAST-MODIFIED"].dt == cafe.updated_at
    assert int(master["SEQUENCE"]) == cafe.sequence
    assert str(master["URL"]) == f"https://ink.example.org/events/{cafe.id}"
    assert str(master["DESCRIPTION"]).endswith(f"https://ink.example.org/events/{cafe.id}")
    assert str(master["LOCATION"]) == "Biblioteket, Grønland 32, Drammen"
    assert master["GEO"].latitude == pytest.approx(59.7441)
    assert [str(c) for c in master["CATEGORIES"].cats] == ["Multilingualism"]
    assert str(master["STATUS"]) == "CONFIRMED"
    # the window: DTSTART moved to the first instance at or after its start (2025-12-01)
    assert master["DTSTART"].dt.date() == date(2025, 12, 2)
    assert "evil.example" not in body.decode()


def test_until_is_utc_and_count_is_reduced(client, network) -> None:
    monthly = network.series["monthly"]
    master = next(e for e in _events(client.get(f"/events/{monthly.id}.ics").data) if "RECURRENCE-ID" not in e)
    until = master["RRULE"]["UNTIL"][0]
    assert until.tzinfo is not None and until.utcoffset() == timedelta(0)
    counted = network.series["counted"]
    master = next(e for e in _events(client.get(f"/events/{counted.id}.ics").data) if "RECURRENCE-ID" not in e)
    start = master["DTSTART"].dt
    # 30 fortnightly instances from 2025-09-03; those before the window's first one are not counted
    before = (start.date() - date(2025, 9, 3)).days // 14
    assert before > 0 and master["RRULE"]["COUNT"] == [30 - before]


def test_overrides_for_cancelled_and_moved_occurrences(client, network) -> None:
    cafe = network.series["cafe"]
    events = _events(client.get(f"/events/{cafe.id}.ics").data)
    master = next(e for e in events if "RECURRENCE-ID" not in e)
    overrides = {e["RECURRENCE-ID"].dt: e for e in events if "RECURRENCE-ID" in e}
    cancelled = overrides[datetime(2026, 6, 9, 18, 0, tzinfo=master["DTSTART"].dt.tzinfo)]
    assert cancelled["RECURRENCE-ID"].params["TZID"] == "Europe/Oslo"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["SUMMARY"]) == "Cancelled: Language café"
    assert "Summer party instead" in str(cancelled["DESCRIPTION"])
    moved = overrides[datetime(2026, 11, 3, 18, 0, tzinfo=master["DTSTART"].dt.tzinfo)]
    assert moved["DTSTART"].dt.replace(tzinfo=None) == datetime(2026, 11, 2, 19, 0)
    assert str(moved["LOCATION"]).startswith("Union Scene")
    assert "Moved to Monday this week" in str(moved["DESCRIPTION"])
    assert str(moved["SUMMARY"]) == "Language café"
    # never an EXDATE and an override for the same instance
    exdates = {d.dt for prop in _as_list(master.get("EXDATE")) for d in prop.dts}
    assert not exdates & set(overrides)


def _as_list(value):  # type: ignore[no-untyped-def]
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def test_all_day_and_cancelled_series(client, network) -> None:
    festival = network.series["festival"]
    events = _events(client.get(f"/events/{festival.id}.ics").data)
    master = next(e for e in events if "RECURRENCE-ID" not in e)
    assert master["DTSTART"].dt == date(2026, 3, 21) and master["DTEND"].dt == date(2026, 3, 23)
    assert "VALUE=DATE" in master.to_ical().decode()
    override = next(e for e in events if "RECURRENCE-ID" in e)
    assert override["RECURRENCE-ID"].dt == date(2027, 3, 21)  # same form as DTSTART
    chess = network.series["cancelled"]
    master = _events(client.get(f"/events/{chess.id}.ics").data)[0]
    assert str(master["STATUS"]) == "CANCELLED" and str(master["SUMMARY"]) == "Cancelled: Chess club"


def test_one_off_is_a_single_vevent_without_rule(client, network) -> None:
    events = _events(client.get(f"/events/{network.series['one_off'].id}.ics").data)
    assert len(events) == 1 and "RRULE" not in events[0] and "RECURRENCE-ID" not in events[0]


def test_window_drops_old_series_and_old_occurrences(client, factory, clock) -> None:
    org = factory.organisation()
    old = factory.series(organisation=org, title="Long ago", start_local=datetime(2025, 3, 1, 12, 0))
    recent = factory.series(organisation=org, title="Recent", start_local=datetime(2026, 5, 1, 12, 0))
    body = client.get("/calendar.ics").data
    uids = {str(e["UID"]) for e in _events(body)}
    assert recent.uid in uids and old.uid not in uids


@pytest.mark.parametrize("app_config", [{"FEED_PAST_WINDOW": 30}])
def test_window_is_configurable(client, factory, app_config) -> None:  # type: ignore[no-untyped-def]
    org = factory.organisation()
    older = factory.series(organisation=org, title="Two months ago", start_local=datetime(2026, 4, 1, 12, 0))
    body = client.get("/calendar.ics").data
    assert older.uid not in {str(e["UID"]) for e in _events(body)}


def test_renders_are_byte_identical(app, client, network, clock) -> None:
    from ink.feeds import ical

    first = client.get("/calendar.ics").data
    app.extensions["ink.feeds.cache"].clear()
    clock.advance(hours=3)
    assert client.get("/calendar.ics").data == first  # from the per-series memo
    app.extensions["ink.feeds.cache"].clear()
    ical._MEMO.clear()
    assert client.get("/calendar.ics").data == first  # rendered from scratch


TRICKY = [
    "Kafé, te; og \\ backslash",
    "Line one\nLine two",
    "Æøå ÆØÅ – Zażółć gęślą jaźń",
    "مقهى اللغة العربية",
    "Emoji 🎉🪁 party",
    "Semi;colon,comma:colon \"quotes\"",
]


@pytest.mark.parametrize("title", TRICKY)
def test_titles_and_descriptions_round_trip(client, factory, title: str) -> None:
    description = title.replace("\n", " ") + " — details"
    series = factory.series(title=title, description_html=f"<p>{description}</p>")
    body = client.get(f"/events/{series.id}.ics").data
    event = _events(body)[0]
    assert str(event["SUMMARY"]) == title
    assert str(event["DESCRIPTION"]).split("\n\n")[0] == description
    window = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    [instance] = recurring_ical_events.of(Calendar.from_ical(body)).between(*window)
    assert str(instance["SUMMARY"]) == title
    [strict] = IcsCalendarStream.calendar_from_ics(body.decode()).events
    assert strict.summary == title
    assert strict.description is not None and strict.description.startswith(description)


@pytest.mark.parametrize("title", ["X\r\nDTSTART:19700101T000000Z", "X\nBEGIN:VEVENT\nUID:evil",
                                   "X\rEND:VEVENT"])
def test_property_injection_through_a_title_is_literal(client, factory, title: str) -> None:
    series = factory.series(title=title)
    body = client.get(f"/events/{series.id}.ics").data
    events = _events(body)
    assert len(events) == 1
    # CR cannot be written in iCalendar TEXT: it is normalised to LF, nothing else changes
    assert str(events[0]["SUMMARY"]) == title.replace("\r\n", "\n").replace("\r", "\n")
    assert events[0]["DTSTART"].dt.year == 2026
    assert len(IcsCalendarStream.calendar_from_ics(body.decode()).events) == 1


def test_rule_edited_in_the_past_keeps_past_dates_as_rdate(client, factory, clock) -> None:
    from tests.feeds.network import edit_rule_in_the_past

    series = edit_rule_in_the_past(factory, clock, factory.organisation())
    master = _events(client.get(f"/events/{series.id}.ics").data)[0]
    rdates = {d.dt.date() for prop in _as_list(master.get("RDATE")) for d in prop.dts}
    assert date(2026, 1, 5) in rdates and date(2026, 3, 30) in rdates
    assert master["DTSTART"].dt.date() == date(2026, 4, 1)


def test_pure_builder_needs_no_app() -> None:
    """build_calendar takes plain data: no Flask, no session."""
    from types import SimpleNamespace

    created = datetime(2026, 1, 1, tzinfo=UTC)
    series = SimpleNamespace(
        id=7, uid="abc", title="Plain", description_html="", start_local=datetime(2026, 6, 2, 18, 0),
        timezone="Europe/Oslo", is_all_day=False, all_day_days=1, duration_minutes=60, rrule=None,
        sequence=0, cancel_reason="", created_at=created, updated_at=created, status="published",
        venue=None, topics=[], organisation=SimpleNamespace(name="Plain club", contact_email=None),
    )
    start = datetime(2026, 6, 2, 16, 0, tzinfo=UTC)
    rows = {7: [FeedOccurrence(start, start, start + timedelta(hours=1))]}
    meta = FeedMeta(name="N", description="D", base_url="https://x.example", cancelled_format="Cancelled: %(title)s",
                    timezone="Europe/Oslo")
    body = build_calendar([series], rows, meta=meta)
    assert body == build_calendar([series], rows, meta=meta)
    from ink.feeds import ical

    ical._MEMO.clear()
    assert body == build_calendar([series], rows, meta=meta)
    series.title = "Renamed"  # any input change gives a new render, not a remembered one
    assert b"SUMMARY:Renamed" in build_calendar([series], rows, meta=meta)
    assert b"DTSTART;TZID=Europe/Oslo:20260602T180000" in body
    assert build_calendar([series], {}, meta=meta).count(b"BEGIN:VEVENT") == 0
    series.organisation.contact_email = "plain@example.org"  # the organiser is an input too
    assert b'ORGANIZER;CN="Plain club":mailto:plain@example.org' in build_calendar([series], rows, meta=meta)


def test_moved_occurrence_of_draft_is_not_published(client, factory) -> None:
    series = factory.series(recurrence=Recurrence(freq="weekly"), status=service.SeriesStatus.DRAFT)
    service.cancel_occurrence(occurrence_on(series, date(2026, 6, 9)), reason="", now=factory.clock.now())
    db.session.commit()
    assert series.uid not in client.get("/calendar.ics").data.decode()
    assert client.get(f"/events/{series.id}.ics").status_code == 404


def test_one_vtimezone_per_zone_used_and_clients_agree(client, factory) -> None:
    from tests.feeds.clients import app_instances, rie_instances, strict_instances, year_window

    org = factory.organisation()
    oslo = factory.series(organisation=org, recurrence=Recurrence(freq="weekly"), duration_minutes=60)
    london = factory.series(organisation=org, recurrence=Recurrence(freq="weekly"), duration_minutes=60,
                            timezone="Europe/London", start_local=datetime(2026, 6, 3, 19, 0))
    new_york = factory.series(organisation=org, recurrence=Recurrence(freq="monthly"), duration_minutes=90,
                              timezone="America/New_York", start_local=datetime(2026, 6, 4, 12, 0))
    body = client.get("/calendar.ics").data
    zones = [str(zone["TZID"]) for zone in Calendar.from_ical(body).walk("VTIMEZONE")]
    assert sorted(zones) == ["America/New_York", "Europe/London", "Europe/Oslo"]
    start, end = year_window(2026)
    expected = app_instances(start, end)
    uids = {oslo.uid, london.uid, new_york.uid}
    assert {uid for uid, *_ in expected} == uids
    assert rie_instances(body, start, end, uids) == expected
    assert strict_instances(body, start, end, uids) == expected


@pytest.mark.parametrize("path", ["/calendar.ics?lang=nb", "/organisations/{cafe}/calendar.ics?lang=nb",
                                  "/events/{series}.ics?lang=nb"])
def test_cancelled_prefix_is_translated_with_lang(client, network, path: str) -> None:
    cafe = network.series["cafe"]
    url = path.format(cafe=network.organisations["cafe"].slug, series=cafe.id)
    events = _events(client.get(url).data, cafe.uid)
    cancelled = [e for e in events if str(e["STATUS"]) == "CANCELLED"]
    assert [str(e["SUMMARY"]) for e in cancelled] == ["Avlyst: Language café"]
    assert all(str(e["SUMMARY"]) == "Language café" for e in events if str(e["STATUS"]) != "CANCELLED")
    english = _events(client.get(url.replace("lang=nb", "lang=en")).data, cafe.uid)
    assert "Cancelled: Language café" in {str(e["SUMMARY"]) for e in english}


def test_cancelled_series_and_calendar_name_in_bokmaal(client, network) -> None:
    body = client.get("/calendar.ics?lang=nb").data
    chess = network.series["cancelled"]
    [master] = _events(body, chess.uid)
    assert str(master["SUMMARY"]) == "Avlyst: Chess club"
    calendar = Calendar.from_ical(body)
    assert str(calendar["DESCRIPTION"]) == "Programmet til INK-nettverket."
    assert str(calendar["X-WR-CALDESC"]) == str(calendar["DESCRIPTION"])


def test_uid_is_the_stored_random_one(client, network, clock) -> None:
    """UID = the series' stored UUID: no host name, no personal data, unchanged by edits."""
    import uuid

    body = client.get("/calendar.ics").data
    uids = {str(e["UID"]) for e in _events(body)}
    stored = {s.uid for key, s in network.series.items() if key != "draft"}
    assert uids == stored
    for uid in uids:
        assert str(uuid.UUID(uid)) == uid and "@" not in uid and "ink.example.org" not in uid
    cafe = network.series["cafe"]
    clock.advance(hours=1)
    data = service.SeriesData(title="Renamed café", organisation=cafe.organisation, start_local=datetime(2025, 1, 7, 19, 0),
                              recurrence=Recurrence(freq="weekly", weekdays=(1, 3)), duration_minutes=120,
                              venue=cafe.venue)
    service.update_series(cafe, data, now=clock.now())
    db.session.commit()
    assert {str(e["UID"]) for e in _events(client.get(f"/events/{cafe.id}.ics").data)} == {cafe.uid}


def test_sequence_in_the_feed_rises_with_date_time_rule_and_status(client, factory, clock) -> None:
    org = factory.organisation()
    series = factory.series(organisation=org, title="Sewing", recurrence=Recurrence(freq="weekly"),
                            duration_minutes=120)

    def sequences() -> set[int]:
        return {int(e["SEQUENCE"]) for e in _events(client.get(f"/events/{series.id}.ics").data)}

    def data(**changes: object) -> service.SeriesData:
        values: dict[str, object] = dict(title=series.title, organisation=org, start_local=series.start_local,
                                         recurrence=Recurrence(freq="weekly"), duration_minutes=120)
        values.update(changes)
        return service.SeriesData(**values)  # type: ignore[arg-type]

    seen = [max(sequences())]

    def rises(action) -> None:  # type: ignore[no-untyped-def]
        clock.advance(minutes=10)
        action()
        db.session.commit()
        assert min(sequences()) > seen[-1]
        seen.append(max(sequences()))

    def stays(action) -> None:  # type: ignore[no-untyped-def]
        clock.advance(minutes=10)
        action()
        db.session.commit()
        assert sequences() == {seen[-1]}

    stays(lambda: service.update_series(series, data(title="Sewing circle"), now=clock.now()))
    rises(lambda: service.update_series(series, data(title="Sewing circle", start_local=datetime(2026, 6, 2, 19, 0)),
                                        now=clock.now()))  # time
    rises(lambda: service.update_series(series, data(title="Sewing circle", start_local=datetime(2026, 6, 3, 19, 0),
                                                     recurrence=Recurrence(freq="weekly", interval=2)),
                                        now=clock.now()))  # date and rule
    rises(lambda: service.cancel_occurrence(occurrence_on(series, date(2026, 6, 17)), reason="", now=clock.now()))
    occ = occurrence_on(series, date(2026, 7, 1))
    rises(lambda: service.move_occurrence(occ, start_at=occ.start_at + timedelta(days=1),
                                          end_at=occ.end_at + timedelta(days=1), venue=None, note="",
                                          now=clock.now()))
    rises(lambda: service.cancel_series(series, reason="", now=clock.now()))  # status


def test_occurrences_before_the_window_leave_no_trace(client, network, clock) -> None:
    """A date cancelled or moved long ago is neither an override nor an instance clients expand."""
    from tests.feeds.clients import rie_instances, strict_instances

    cafe = network.series["cafe"]
    service.cancel_occurrence(occurrence_on(cafe, date(2025, 3, 4)), reason="Old news", now=clock.now())
    db.session.commit()
    body = client.get("/calendar.ics").data
    window_start = datetime(2025, 12, 1, tzinfo=UTC) - timedelta(hours=1)  # local midnight, six months back
    events = _events(body, cafe.uid)
    assert all(e["RECURRENCE-ID"].dt >= window_start for e in events if "RECURRENCE-ID" in e)
    assert b"Old news" not in body
    early = (datetime(2024, 12, 1, tzinfo=UTC), window_start)
    assert rie_instances(body, *early, network.recurring_uids) == set()
    assert strict_instances(body, *early, network.recurring_uids) == set()
