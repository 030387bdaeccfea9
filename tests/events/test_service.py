"""Series and occurrence services: the future follows edits, the past and exceptions stay."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from ink.core import signals
from ink.core.errors import ValidationFailed
from ink.core.time import utc_to_local
from ink.events import service
from ink.events.models import EventSeries, Occurrence, OccurrenceStatus, SeriesStatus
from ink.events.recurrence import Recurrence
from ink.extensions import db

UTC = timezone.utc
TUE_THU = Recurrence(freq="weekly", weekdays=(1, 3))


def _data(series: EventSeries, **changes: object) -> service.SeriesData:
    values = dict(
        title=series.title, organisation=series.organisation, start_local=series.start_local,
        recurrence=service.series_recurrence(series), duration_minutes=series.duration_minutes,
        is_all_day=series.is_all_day, all_day_days=series.all_day_days, timezone=series.timezone,
        description_html=series.description_html, venue=series.venue, languages=series.languages,
    )
    values.update(changes)
    return service.SeriesData(**values)  # type: ignore[arg-type]


def _occurrences(series: EventSeries) -> list[Occurrence]:
    return list(db.session.scalars(
        sa.select(Occurrence).where(Occurrence.series_id == series.id).order_by(Occurrence.original_start_at)))


def test_weekly_series_materialises_two_years_at_local_wall_clock(factory) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(start_local=datetime(2026, 6, 2, 17, 0), recurrence=TUE_THU, duration_minutes=120)
    occurrences = _occurrences(series)
    assert 205 <= len(occurrences) <= 212  # two per week for ~104 weeks
    local_times = {utc_to_local(o.start_at, "Europe/Oslo").time() for o in occurrences}
    assert local_times == {datetime(2026, 1, 1, 17).time()}
    assert all(o.end_at - o.start_at == timedelta(hours=2) for o in occurrences)
    assert series.materialised_until == datetime(2026, 6, 2, 10, tzinfo=UTC) + timedelta(days=730)


def test_title_edit_keeps_cancelled_and_moved_occurrences(factory, clock) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(recurrence=TUE_THU)
    first, second = _occurrences(series)[2:4]
    service.cancel_occurrence(first, reason="Holiday", now=clock.now())
    service.move_occurrence(second, start_at=second.start_at + timedelta(hours=1),
                            end_at=second.end_at + timedelta(hours=1), venue=None, note="Later", now=clock.now())
    db.session.commit()
    sequence = series.sequence
    service.update_series(series, _data(series, title="Language café (new name)"), now=clock.now())
    db.session.commit()
    assert db.session.get(Occurrence, first.id).status == OccurrenceStatus.CANCELLED
    assert db.session.get(Occurrence, second.id).is_moved
    assert series.sequence == sequence  # a title is not a schedule change


def test_time_change_regenerates_future_only_and_carries_exceptions(factory, clock) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(start_local=datetime(2026, 1, 6, 17, 0), recurrence=TUE_THU)
    past = [o for o in _occurrences(series) if o.start_at < clock.now()]
    past_ids = {o.id for o in past}
    future = [o for o in _occurrences(series) if o.start_at >= clock.now()]
    service.cancel_occurrence(future[3], reason="Closed", now=clock.now())
    cancelled_date = utc_to_local(future[3].start_at, "Europe/Oslo").date()
    db.session.commit()
    sequence = series.sequence

    service.update_series(series, _data(series, start_local=datetime(2026, 1, 6, 18, 0)), now=clock.now())
    db.session.commit()

    after = _occurrences(series)
    assert {o.id for o in after if o.start_at < clock.now()} == past_ids  # past untouched
    assert all(utc_to_local(o.start_at, "Europe/Oslo").hour == 17 for o in after if o.id in past_ids)
    future_after = [o for o in after if o.original_start_at >= clock.now()]
    assert future_after and all(utc_to_local(o.start_at, "Europe/Oslo").hour == 18 for o in future_after)
    carried = [o for o in future_after if utc_to_local(o.start_at, "Europe/Oslo").date() == cancelled_date]
    assert [o.status for o in carried] == [OccurrenceStatus.CANCELLED]
    assert carried[0].cancel_reason == "Closed"
    assert series.sequence == sequence + 1


def test_removed_future_occurrences_are_announced_before_deletion(factory, clock) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(recurrence=TUE_THU)
    heard: list[int] = []

    def listener(sender: EventSeries, occurrences: list[Occurrence], now: datetime) -> None:
        heard.extend(o.id for o in occurrences)

    signals.occurrences_removing.connect(listener)
    try:
        service.update_series(series, _data(series, recurrence=Recurrence(freq="weekly", weekdays=(1,))), now=clock.now())
        db.session.commit()
    finally:
        signals.occurrences_removing.disconnect(listener)
    remaining = _occurrences(series)
    assert heard and not {o.id for o in remaining} & set(heard)
    assert all(utc_to_local(o.start_at, "Europe/Oslo").weekday() == 1 for o in remaining)


def test_extend_horizon_is_idempotent_and_moves_forward(factory, clock) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(recurrence=Recurrence(freq="weekly", weekdays=(1,)))
    count = len(_occurrences(series))
    assert service.extend_horizon(now=clock.now()) == 0
    clock.advance(days=14)
    assert service.extend_horizon(now=clock.now()) == 2
    assert service.extend_horizon(now=clock.now()) == 0
    db.session.commit()
    assert len(_occurrences(series)) == count + 2


def test_ending_rules_stop_materialising(factory) -> None:  # type: ignore[no-untyped-def]
    by_count = factory.series(recurrence=Recurrence(freq="weekly", weekdays=(1,), end="count", count=5))
    by_date = factory.series(recurrence=Recurrence(freq="weekly", weekdays=(1,), end="until", until=date(2026, 6, 30)))
    assert len(_occurrences(by_count)) == 5
    assert [utc_to_local(o.start_at, "Europe/Oslo").day for o in _occurrences(by_date)] == [2, 9, 16, 23, 30]


def test_all_day_yearly_event_spans_local_days(factory) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(start_local=datetime(2027, 3, 13), is_all_day=True, all_day_days=2,
                            recurrence=Recurrence(freq="yearly", monthly_mode="nth_weekday", nth=2))
    first = _occurrences(series)[0]
    assert utc_to_local(first.start_at, "Europe/Oslo") == datetime(2027, 3, 13)
    assert utc_to_local(first.end_at, "Europe/Oslo") == datetime(2027, 3, 15)
    assert series.rrule == "FREQ=YEARLY;BYMONTH=3;BYDAY=2SA"


def test_moving_rejects_end_before_start(factory, clock) -> None:  # type: ignore[no-untyped-def]
    occurrence = _occurrences(factory.series())[0]
    with pytest.raises(ValidationFailed) as error:
        service.move_occurrence(occurrence, start_at=occurrence.start_at, end_at=occurrence.start_at,
                                venue=None, note="", now=clock.now())
    assert error.value.field == "end_time"


def test_cancel_and_restore_raise_sequence_and_send_signals(factory, clock) -> None:  # type: ignore[no-untyped-def]
    series = factory.series()
    occurrence = _occurrences(series)[0]
    events: list[str] = []
    cancelled = lambda sender, **kw: events.append("cancelled")  # noqa: E731
    restored = lambda sender, **kw: events.append("restored")  # noqa: E731
    signals.occurrence_cancelled.connect(cancelled)
    signals.occurrence_restored.connect(restored)
    try:
        service.cancel_occurrence(occurrence, reason="Storm", now=clock.now())
        service.cancel_occurrence(occurrence, reason="Storm", now=clock.now())  # no-op
        service.restore_occurrence(occurrence, now=clock.now())
    finally:
        signals.occurrence_cancelled.disconnect(cancelled)
        signals.occurrence_restored.disconnect(restored)
    assert events == ["cancelled", "restored"]
    assert series.sequence == 2


def test_series_status_changes_raise_sequence(factory, clock) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(status=SeriesStatus.DRAFT)
    service.publish_series(series, now=clock.now())
    service.cancel_series(series, reason="Funding ended", now=clock.now())
    assert series.sequence == 2 and series.status == SeriesStatus.CANCELLED
    assert all(o.is_cancelled for o in _occurrences(series))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"duration_minutes": 0}, "end_time"),
        ({"duration_minutes": 24 * 60 + 1}, "end_time"),
        ({"recurrence": Recurrence(freq="weekly", weekdays=(1,), end="until", until=date(2026, 1, 1))}, "until"),
        ({"recurrence": Recurrence(freq="weekly", weekdays=(1,), end="count", count=0)}, "count"),
        ({"age_min": 12, "age_max": 3}, "age_max"),
    ],
)
def test_invalid_series_data_names_the_field(factory, clock, changes, field) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation()
    data = service.SeriesData(title="Café", organisation=organisation, start_local=datetime(2026, 6, 2, 18))
    for name, value in changes.items():
        setattr(data, name, value)
    with pytest.raises(ValidationFailed) as error:
        service.create_series(data, now=clock.now())
    assert error.value.field == field


def test_description_is_sanitised(factory) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(description_html='<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x">l</a></p>')
    assert "script" not in series.description_html and "onclick" not in series.description_html
    assert "javascript" not in series.description_html and "<p>Hi" in series.description_html
