"""A small network with every shape a feed must carry, built through the services."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ink.core.time import local_to_utc
from ink.events import service
from ink.events.models import Audience, EventSeries, Occurrence
from ink.events.recurrence import Recurrence
from ink.extensions import db

TZ = "Europe/Oslo"


def occurrence_on(series: EventSeries, day: date) -> Occurrence:
    for occ in db.session.scalars(sa.select(Occurrence).where(Occurrence.series_id == series.id)):
        if _local_day(occ) == day:
            return occ
    raise LookupError(f"{series.title} has no occurrence on {day}")


def _local_day(occ: Occurrence) -> date:
    from ink.core.time import local_date

    return local_date(occ.original_start_at, TZ)


@dataclass
class Network:
    series: dict[str, EventSeries] = field(default_factory=dict)
    organisations: dict[str, object] = field(default_factory=dict)

    @property
    def recurring_uids(self) -> set[str]:
        return {s.uid for s in self.series.values() if s.rrule}


def build_network(factory, clock) -> Network:  # type: ignore[no-untyped-def]
    net = Network()
    now = clock.now()
    topics = factory.topics()
    cafe_org = factory.organisation("Språkkafé Drammen", languages=["nb", "pl"])
    kids_org = factory.organisation("Barnas Verden")
    net.organisations = {"cafe": cafe_org, "kids": kids_org}
    library = factory.venue("Biblioteket", slug="biblioteket", address="Grønland 32, Drammen",
                            latitude=59.7441, longitude=10.2045)
    hall = factory.venue("Union Scene", slug="union-scene", address="Grønland 60")

    # Weekly language café, twice a week, started long before the window (DST both ways).
    clock.set(datetime(2025, 1, 1, 12, tzinfo=now.tzinfo))
    cafe = factory.series(
        organisation=cafe_org, title="Language café", start_local=datetime(2025, 1, 7, 18, 0),
        recurrence=Recurrence(freq="weekly", weekdays=(1, 3)), duration_minutes=120, venue=library,
        topics=[topics[13]], languages=["nb", "pl"], audiences=[Audience.ADULTS],
    )
    # Fortnightly drop-in with a COUNT that reaches into the window.
    counted = factory.series(
        organisation=kids_org, title="Homework help", start_local=datetime(2025, 9, 3, 16, 30),
        recurrence=Recurrence(freq="weekly", interval=2, end="count", count=30), duration_minutes=90,
        venue=hall, audiences=[Audience.CHILDREN],
    )
    clock.set(now)
    # Monthly, last Friday, until a date.
    monthly = factory.series(
        organisation=cafe_org, title="Potluck dinner", start_local=datetime(2026, 1, 30, 17, 0),
        recurrence=Recurrence(freq="monthly", monthly_mode="nth_weekday", nth=-1, end="until",
                              until=date(2026, 12, 31)),
        duration_minutes=180, venue=hall,
    )
    # Yearly all-day festival over two days (Children's World Day in March).
    festival = factory.series(
        organisation=kids_org, title="Children's World Day", start_local=datetime(2026, 3, 21, 0, 0),
        recurrence=Recurrence(freq="yearly"), is_all_day=True, all_day_days=2, duration_minutes=None,
    )
    # Daily at 02:30 for a few days over the spring and autumn changes (gap and repeated hour).
    night = factory.series(
        organisation=kids_org, title="Night walk", start_local=datetime(2026, 3, 27, 2, 30),
        recurrence=Recurrence(freq="daily", end="until", until=date(2026, 3, 31)), duration_minutes=60,
    )
    autumn = factory.series(
        organisation=kids_org, title="Autumn night walk", start_local=datetime(2026, 10, 23, 2, 30),
        recurrence=Recurrence(freq="daily", end="count", count=5), duration_minutes=60,
    )
    one_off = factory.series(organisation=cafe_org, title="Kite festival", start_local=datetime(2026, 7, 4, 11, 0),
                             duration_minutes=300)
    cancelled_whole = factory.series(
        organisation=cafe_org, title="Chess club", start_local=datetime(2026, 6, 5, 18, 0),
        recurrence=Recurrence(freq="weekly"), duration_minutes=60,
    )
    draft = factory.series(organisation=cafe_org, title="Secret draft", start_local=datetime(2026, 6, 10, 12, 0),
                           status=service.SeriesStatus.DRAFT)
    # Exceptions in the window, through the services.
    service.cancel_occurrence(occurrence_on(cafe, date(2026, 6, 9)), reason="Summer party instead", now=now)
    moved = occurrence_on(cafe, date(2026, 11, 3))
    service.move_occurrence(moved, start_at=local_to_utc(datetime(2026, 11, 2, 19, 0), TZ),
                            end_at=local_to_utc(datetime(2026, 11, 2, 21, 0), TZ), venue=hall,
                            note="Moved to Monday this week", now=now)
    service.move_occurrence(occurrence_on(cafe, date(2026, 12, 17)),
                            start_at=local_to_utc(datetime(2026, 12, 17, 18, 0), TZ),
                            end_at=local_to_utc(datetime(2026, 12, 17, 20, 0), TZ), venue=hall, note="", now=now)
    service.cancel_occurrence(occurrence_on(festival, date(2027, 3, 21)), reason="", now=now)
    service.cancel_occurrence(occurrence_on(monthly, date(2026, 3, 27)), reason="Easter", now=now)
    service.cancel_series(cancelled_whole, reason="No room", now=now)
    db.session.commit()
    net.series = {
        "cafe": cafe, "counted": counted, "monthly": monthly, "festival": festival, "night": night,
        "autumn": autumn, "one_off": one_off, "cancelled": cancelled_whole, "draft": draft,
    }
    return net


def edit_rule_in_the_past(factory, clock, organisation) -> EventSeries:  # type: ignore[no-untyped-def]
    """A Monday series turned into a Wednesday one in April: past rows keep the old rule."""
    original_now = clock.now()
    clock.set(datetime(2026, 1, 1, 12, tzinfo=original_now.tzinfo))
    series = factory.series(organisation=organisation, title="Sewing circle", start_local=datetime(2026, 1, 5, 10, 0),
                            recurrence=Recurrence(freq="weekly"), duration_minutes=120)
    clock.set(datetime(2026, 4, 1, 6, tzinfo=original_now.tzinfo))
    data = service.SeriesData(title=series.title, organisation=organisation,
                              start_local=datetime(2026, 4, 1, 10, 0), recurrence=Recurrence(freq="weekly"),
                              duration_minutes=120)
    service.update_series(series, data, now=clock.now())
    db.session.commit()
    clock.set(original_now)
    return series


def shift(moment: datetime, **kwargs: float) -> datetime:
    return moment + timedelta(**kwargs)
