"""iCalendar feeds: series and their occurrences in, bytes out. Pure (no Flask, no session).

Each series is one master VEVENT with its RRULE; occurrences that differ from the rule are
override VEVENTs (same UID, RECURRENCE-ID in DTSTART's form). Only what lies in the window is
written: the master's DTSTART is moved to the rule's first instance at or after the window start
(COUNT reduced to match), so clients never expand instances older than the window — which would
otherwise show long-past cancellations as live and follow today's rule for dates that an older
rule produced. Occurrence rows are the truth: inside the rows' range, a rule instance without a row
becomes an EXDATE and a row the rule does not produce (left by an edit of the rule) an RDATE.
An instance is never both EXDATE'd and overridden.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from icalendar import Calendar, Event, vCalAddress, vDuration, vRecur

from ink.core.html import html_to_text
from ink.core.time import as_utc, aware_local, in_zone, is_local_midnight, local_to_utc, utc_to_local
from ink.events import recurrence
from ink.feeds.vtimezone import vtimezone

PRODID = "-//INK Events//Calendar feeds//EN"


class VenueLike(Protocol):
    name: str
    address: str
    latitude: float | None
    longitude: float | None


class TopicLike(Protocol):
    name: str


class OrganisationLike(Protocol):
    name: str
    contact_email: str | None


class SeriesLike(Protocol):
    """What the feed reads from an EventSeries (the ORM model satisfies it)."""

    id: int
    uid: str
    title: str
    description_html: str
    start_local: datetime
    timezone: str
    is_all_day: bool
    all_day_days: int
    duration_minutes: int | None
    rrule: str | None
    sequence: int
    cancel_reason: str
    created_at: datetime
    updated_at: datetime

    @property
    def status(self) -> str: ...  # "cancelled" when the whole series is

    @property
    def venue(self) -> VenueLike | None: ...
    @property
    def topics(self) -> Sequence[TopicLike]: ...
    @property
    def organisation(self) -> OrganisationLike: ...


@dataclass(frozen=True)
class FeedOccurrence:
    """One occurrence row as the feed needs it (``venue`` only when it overrides the series')."""

    original_start_at: datetime
    start_at: datetime
    end_at: datetime
    is_cancelled: bool = False
    is_moved: bool = False
    venue: VenueLike | None = None
    note: str = ""
    cancel_reason: str = ""
    updated_at: datetime | None = None

    @property
    def has_exception(self) -> bool:
        return self.is_cancelled or self.is_moved or self.venue is not None or bool(self.note)


@dataclass(frozen=True)
class FeedMeta:
    name: str
    description: str
    base_url: str  # configured, never the request's Host
    cancelled_format: str  # translated, e.g. "Cancelled: %(title)s"
    timezone: str  # X-WR-TIMEZONE: the configured zone
    window_start: datetime | None = None  # aware; None: from each series' first instance
    refresh: str = "PT6H"
    # ORGANIZER's address when the organisation has no contact address (the network's NETWORK_EMAIL).
    organizer_email: str = "contact@ink-events.example"


@dataclass(frozen=True)
class FeedTexts:
    """A series' texts for the feed's language (issue 12: a version, else the original), chosen by the caller
    (ink.core.texts.choose_texts); ``language`` becomes SUMMARY's and DESCRIPTION's LANGUAGE parameter
    (None: none, as for a series that has no versions); ``updated_at`` (the version's) counts for LAST-MODIFIED."""

    title: str
    description_html: str
    language: str | None = None
    updated_at: datetime | None = None


def event_url(base_url: str, series_id: int) -> str:
    return f"{base_url}/events/{series_id}"


def _text(value: str) -> str:
    # RFC 5545 TEXT can escape LF but not CR: bare CR and CRLF become LF.
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _organizer(series: SeriesLike, meta: FeedMeta) -> vCalAddress:
    """RFC 5546 §3.2.1: every VEVENT of a PUBLISH object has an ORGANIZER. CN is the organisation's
    name (icalendar quotes it, and escapes quotes and line breaks per RFC 6868)."""
    address = (series.organisation.contact_email or "").strip() or meta.organizer_email
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = _one_line(series.organisation.name)
    return organizer


def _series_cancelled(series: SeriesLike) -> bool:
    return str(series.status) == "cancelled"


def _new_calendar(meta: FeedMeta) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # Calendar names are one line; X- properties are not escaped as TEXT by every library.
    name, description = _one_line(meta.name), _one_line(meta.description)
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("description", description)
    cal.add("x-wr-caldesc", description)
    cal.add("x-wr-timezone", meta.timezone)
    # RFC 7986 wants VALUE=DURATION, which icalendar's refresh_interval setter leaves out.
    cal.add("refresh-interval", _duration(meta.refresh), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", meta.refresh)
    return cal


def _duration(iso: str) -> timedelta:
    return vDuration.from_ical(iso)  # type: ignore[no-untyped-call]  # untyped in icalendar


_END = b"END:VCALENDAR\r\n"


class _Writer:
    """Collects VEVENTs and the time zones and years they use."""

    def __init__(self, meta: FeedMeta, texts: Mapping[int, FeedTexts] | None = None) -> None:
        self.meta = meta
        self.texts: Mapping[int, FeedTexts] = texts or {}
        self.events: list[Event] = []
        self.chunks: list[bytes] = []  # already serialised VEVENTs
        self.years: dict[str, list[int]] = {}

    def when(self, series: SeriesLike, instant: datetime, *, as_date: bool) -> date | datetime:
        local = utc_to_local(instant, series.timezone)
        if as_date:
            return local.date()
        self.years.setdefault(series.timezone, []).append(local.year)
        wall = aware_local(local, series.timezone)
        if as_utc(wall) != as_utc(instant):
            # The second 02:30 of an autumn night has no TZID form of its own: write it in UTC.
            return as_utc(instant)
        return wall

    def wall(self, series: SeriesLike, wall: datetime, *, as_date: bool) -> date | datetime:
        """A naive wall-clock time in the series' zone, written with its TZID (or as a DATE)."""
        if as_date:
            return wall.date()
        self.years.setdefault(series.timezone, []).append(wall.year)
        return aware_local(wall, series.timezone)

    def serialised(self) -> bytes:
        """The collected VEVENTs as bytes (exactly what they would be inside the VCALENDAR)."""
        return b"".join(event.to_ical() for event in self.events)

    def merge(self, chunk: bytes, years: Mapping[str, Sequence[int]]) -> None:
        self.chunks.append(chunk)
        for tz, span in years.items():
            self.years.setdefault(tz, []).extend(span)

    def calendar(self) -> bytes:
        cal = _new_calendar(self.meta)
        for tz in sorted(self.years):
            years = self.years[tz]
            cal.add_component(vtimezone(tz, min(years), max(years)))
        head = cal.to_ical()
        assert head.endswith(_END)
        return head[: -len(_END)] + b"".join(self.chunks) + self.serialised() + _END


def _location(venue: VenueLike | None) -> str:
    if venue is None:
        return ""
    return ", ".join(part for part in (venue.name, venue.address) if part)


def _describe(series: SeriesLike, meta: FeedMeta, description_html: str, *extra: str) -> str:
    parts = [html_to_text(description_html), *extra, event_url(meta.base_url, series.id)]
    return _text("\n\n".join(part.strip() for part in parts if part and part.strip()))


def _common(event: Event, series: SeriesLike, meta: FeedMeta, *, cancelled: bool, venue: VenueLike | None,
            extra: Sequence[str], last_modified: datetime, texts: FeedTexts | None = None) -> None:
    title = _text(texts.title if texts is not None else series.title)
    language: dict[str, str] = {"LANGUAGE": texts.language} if texts is not None and texts.language else {}
    if texts is not None and texts.updated_at is not None:
        last_modified = max(last_modified, texts.updated_at)
    event.add("summary", meta.cancelled_format % {"title": title} if cancelled else title, parameters=language)
    event.add("description", _describe(series, meta, texts.description_html if texts is not None
                                       else series.description_html, *extra), parameters=language)
    location = _location(venue)
    if location:
        event.add("location", _text(location))
    if venue is not None and venue.latitude is not None and venue.longitude is not None:
        event.add("geo", (round(venue.latitude, 6), round(venue.longitude, 6)))
    event.add("url", event_url(meta.base_url, series.id))
    event.add("organizer", _organizer(series, meta))
    topics = [_text(topic.name) for topic in series.topics]
    if topics:
        event.add("categories", topics)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("created", as_utc(series.created_at))
    event.add("last-modified", as_utc(last_modified))
    event.add("sequence", series.sequence)


def _new_event(uid: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", as_utc(stamp))
    return event


def _span(writer: _Writer, series: SeriesLike, start_at: datetime, end_at: datetime,
          event: Event) -> None:
    as_date = series.is_all_day and is_local_midnight(start_at, series.timezone) and is_local_midnight(
        end_at, series.timezone)
    event.add("dtstart", writer.when(series, start_at, as_date=as_date))
    event.add("dtend", writer.when(series, end_at, as_date=as_date))


def _series_end(series: SeriesLike, start_at: datetime) -> datetime:
    if series.is_all_day:
        local = utc_to_local(start_at, series.timezone)
        return local_to_utc(local + timedelta(days=series.all_day_days), series.timezone)
    return start_at + timedelta(minutes=series.duration_minutes or 0)


def _series_start_at(series: SeriesLike) -> datetime:
    start = series.start_local
    if series.is_all_day:
        start = datetime.combine(start.date(), time())
    return local_to_utc(start, series.timezone)


def _rule(series: SeriesLike, dtstart_at: datetime) -> vRecur:
    """The series' RRULE for a master starting at ``dtstart_at`` (COUNT less what lies before)."""
    assert series.rrule is not None
    rule = vRecur.from_ical(series.rrule)
    if "COUNT" in rule:
        before = recurrence.expand(series.rrule, series.start_local, series.timezone,
                                   _series_start_at(series), dtstart_at, all_day=series.is_all_day,
                                   limit=100_000)
        rule["COUNT"] = [max(1, int(rule["COUNT"][0]) - len(before))]
    if series.is_all_day and "UNTIL" in rule:
        until = rule["UNTIL"][0]
        if isinstance(until, datetime):  # a DATE DTSTART needs a DATE UNTIL
            rule["UNTIL"] = [in_zone(until, series.timezone).date()]  # a naive UNTIL is UTC
    return rule


def _wall_duration(series: SeriesLike) -> timedelta:
    """DTEND - DTSTART as wall-clock time, which is how clients apply it to every instance."""
    if series.is_all_day:
        return timedelta(days=series.all_day_days)
    return timedelta(minutes=series.duration_minutes or 0)


def _rule_wall(series: SeriesLike, instant: datetime) -> datetime:
    """The naive wall-clock time the rule gives for ``instant`` (02:30 for an instance in the
    spring gap, which happens at 03:30): RECURRENCE-ID and EXDATE must name it the same way."""
    local = utc_to_local(instant, series.timezone)
    if series.is_all_day:
        return datetime.combine(local.date(), time())
    candidate = datetime.combine(local.date(), series.start_local.time())
    return candidate if local_to_utc(candidate, series.timezone) == instant else local


def _client_span(series: SeriesLike, instant: datetime) -> tuple[datetime, datetime]:
    """Start and end a client computes for the rule's instance at ``instant``."""
    wall = _rule_wall(series, instant)
    return local_to_utc(wall, series.timezone), local_to_utc(wall + _wall_duration(series), series.timezone)


def _recurring(writer: _Writer, series: SeriesLike, rows: Sequence[FeedOccurrence]) -> None:
    meta = writer.meta
    assert series.rrule is not None
    cancelled = _series_cancelled(series)
    lower = rows[0].original_start_at
    if meta.window_start is not None:
        lower = min(lower, meta.window_start)
    upper = rows[-1].original_start_at + timedelta(seconds=1)
    kwargs = {"all_day": series.is_all_day}
    in_range = recurrence.expand(series.rrule, series.start_local, series.timezone, lower, upper,
                                 limit=100_000, **kwargs)
    first = recurrence.first_instances(series.rrule, series.start_local, series.timezone, lower, 1, **kwargs)
    row_starts = {row.original_start_at for row in rows}
    rule_starts = set(in_range)
    if first:
        dtstart_at = first[0]
        extra_dates = [row.original_start_at for row in rows if row.original_start_at not in rule_starts]
        exdates = [start for start in in_range if start not in row_starts]
    else:  # the rule ends before the rows do: list the rows' dates
        dtstart_at = rows[0].original_start_at
        extra_dates = [row.original_start_at for row in rows[1:]]
        exdates = []
    as_date = series.is_all_day
    wall = _rule_wall(series, dtstart_at)
    master = _new_event(series.uid, series.updated_at)
    master.add("dtstart", writer.wall(series, wall, as_date=as_date))
    master.add("dtend", writer.wall(series, wall + _wall_duration(series), as_date=as_date))
    if first:
        master.add("rrule", _rule(series, dtstart_at))
    if extra_dates:
        master.add("rdate", [writer.wall(series, _rule_wall(series, start), as_date=as_date)
                             for start in extra_dates])
    if exdates:
        master.add("exdate", [writer.wall(series, _rule_wall(series, start), as_date=as_date)
                              for start in exdates])
    extra = [series.cancel_reason] if cancelled else []
    _common(master, series, meta, cancelled=cancelled, venue=series.venue, extra=extra,
            last_modified=series.updated_at, texts=writer.texts.get(series.id))
    writer.events.append(master)
    for row in rows:
        # Also override instances whose wall-clock span is not their real one (a night event
        # across a clock change): clients disagree on how DTEND applies there.
        if row.has_exception or _client_span(series, row.original_start_at) != (row.start_at, row.end_at):
            writer.events.append(_override(writer, series, row, as_date=as_date))


def _override(writer: _Writer, series: SeriesLike, row: FeedOccurrence, *, as_date: bool) -> Event:
    event = _new_event(series.uid, series.updated_at)
    event.add("recurrence-id", writer.wall(series, _rule_wall(series, row.original_start_at), as_date=as_date))
    _span(writer, series, row.start_at, row.end_at, event)
    cancelled = row.is_cancelled or _series_cancelled(series)
    reason = row.cancel_reason or (series.cancel_reason if _series_cancelled(series) else "")
    extra = [reason if cancelled else "", row.note]
    _common(event, series, writer.meta, cancelled=cancelled, venue=row.venue or series.venue,
            extra=extra, last_modified=max(row.updated_at or series.updated_at, series.updated_at),
            texts=writer.texts.get(series.id))
    return event


def _single(writer: _Writer, series: SeriesLike, row: FeedOccurrence, *, uid: str | None = None) -> None:
    event = _new_event(uid or series.uid, series.updated_at)
    _span(writer, series, row.start_at, row.end_at, event)
    cancelled = row.is_cancelled or _series_cancelled(series)
    reason = row.cancel_reason or (series.cancel_reason if _series_cancelled(series) else "")
    _common(event, series, writer.meta, cancelled=cancelled, venue=row.venue or series.venue,
            extra=[reason if cancelled else "", row.note],
            last_modified=max(row.updated_at or series.updated_at, series.updated_at),
            texts=writer.texts.get(series.id))
    writer.events.append(event)


def build_calendar(series_list: Iterable[SeriesLike],
                   occurrences_by_series: Mapping[int, Sequence[FeedOccurrence]], *,
                   meta: FeedMeta, texts: Mapping[int, FeedTexts] | None = None) -> bytes:
    """The VCALENDAR for ``series_list``, with each series' occurrence rows in the window.

    ``occurrences_by_series[series.id]`` holds every occurrence (live or cancelled) of the series
    in the window; a series without any is left out. The output depends only on the arguments:
    unchanged data renders to identical bytes. ``texts[series.id]``, when given, are the series' texts in the
    feed's language (FeedTexts); otherwise its own.
    """
    texts = texts or {}
    writer = _Writer(meta, texts)
    for series in sorted(series_list, key=lambda s: (_series_start_at(s), s.id)):
        rows = sorted(occurrences_by_series.get(series.id, ()), key=lambda row: row.original_start_at)
        if not rows:
            continue
        key = (*_series_key(series, rows, meta), texts.get(series.id))
        cached = _MEMO.get(key)
        if cached is None:
            part = _Writer(meta, texts)
            if series.rrule:
                _recurring(part, series, rows)
            else:
                _single(part, series, rows[0])
            spans = {tz: (min(years), max(years)) for tz, years in part.years.items()}
            cached = (part.serialised(), spans)
            _MEMO.put(key, cached)
        writer.merge(*cached)
    return writer.calendar()


class _Memo:
    """Serialised VEVENTs per series, keyed by every input they are made from: serialising is
    most of a render's cost, and one edit then re-renders one series, not the whole network."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[object, ...], tuple[bytes, dict[str, tuple[int, int]]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> tuple[bytes, dict[str, tuple[int, int]]] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[object, ...], value: tuple[bytes, dict[str, tuple[int, int]]]) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_MEMO = _Memo(20_000)


def _venue_key(venue: VenueLike | None) -> tuple[object, ...] | None:
    if venue is None:
        return None
    return (venue.name, venue.address, venue.latitude, venue.longitude)


def _series_key(series: SeriesLike, rows: Sequence[FeedOccurrence], meta: FeedMeta) -> tuple[object, ...]:
    return (
        meta.base_url, meta.cancelled_format, meta.window_start, meta.organizer_email,
        series.organisation.name, series.organisation.contact_email,
        series.id, series.uid, series.title, series.description_html, series.start_local, series.timezone,
        series.is_all_day, series.all_day_days, series.duration_minutes, series.rrule, series.sequence,
        series.cancel_reason, series.created_at, series.updated_at, str(series.status),
        _venue_key(series.venue), tuple(topic.name for topic in series.topics),
        tuple((row.original_start_at, row.start_at, row.end_at, row.is_cancelled, row.is_moved,
               _venue_key(row.venue), row.note, row.cancel_reason, row.updated_at) for row in rows),
    )


def build_occurrence_calendar(series: SeriesLike, row: FeedOccurrence, *, meta: FeedMeta,
                              texts: FeedTexts | None = None) -> bytes:
    """One date as a standalone event ("add this date"), with a UID of its own so that it does not
    replace the series in a calendar that also subscribes to the feed."""
    writer = _Writer(meta, {series.id: texts} if texts is not None else None)
    stamp = as_utc(row.original_start_at).strftime("%Y%m%dT%H%M%SZ")
    _single(writer, series, row, uid=f"{series.uid}-{stamp}")
    return writer.calendar()
