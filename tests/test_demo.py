"""seed-demo: the network's real programme, loaded idempotently."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from ink.attendance.models import AttendanceRecord
from ink.attendance.service import series_categories
from ink.demo import COORDINATOR_EMAIL, DEMO_PASSWORD, EDITOR_EMAIL, UID_SUFFIX, demo_attendance
from ink.events.models import EventSeries, Occurrence, OccurrenceStatus, SeriesStatus, Venue
from ink.extensions import db
from ink.organisations.models import Organisation


def table_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for table in db.metadata.sorted_tables
    }


def key_fields() -> list[tuple[object, ...]]:
    organisations = db.session.execute(
        sa.select(Organisation.slug, Organisation.name, Organisation.status, Organisation.is_example,
                  Organisation.description).order_by(Organisation.slug)
    ).all()
    series = db.session.execute(
        sa.select(EventSeries.uid, EventSeries.title, EventSeries.rrule, EventSeries.start_local,
                  EventSeries.status, EventSeries.sequence, EventSeries.updated_at).order_by(EventSeries.uid)
    ).all()
    occurrences = db.session.execute(
        sa.select(EventSeries.uid, Occurrence.original_start_at, Occurrence.start_at, Occurrence.end_at,
                  Occurrence.status, Occurrence.is_moved, Occurrence.cancel_reason)
        .join(Occurrence.series).order_by(EventSeries.uid, Occurrence.original_start_at)
    ).all()
    venues = db.session.execute(sa.select(Venue.slug, Venue.address).order_by(Venue.slug)).all()
    return [*organisations, *series, *occurrences, *venues]


def series_by_key(key: str) -> EventSeries:
    series = db.session.scalar(sa.select(EventSeries).where(EventSeries.uid == key + UID_SUFFIX))
    assert series is not None, key
    return series


def test_seed_demo_is_idempotent(runner, clock):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert f"{COORDINATOR_EMAIL} / {DEMO_PASSWORD}" in first.output
    counts, dump = table_counts(), key_fields()
    db.session.remove()

    clock.advance(hours=2)
    second = runner.invoke(args=["seed-demo"])

    assert second.exit_code == 0, second.output
    assert "nothing changed" in second.output
    db.session.remove()
    assert table_counts() == counts
    assert key_fields() == dump


def test_demo_holds_the_real_programme(runner, clock):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0

    cafe = series_by_key("language-cafe-solvberget")
    assert cafe.rrule == "FREQ=WEEKLY;BYDAY=TU,TH"
    assert (cafe.start_local.hour, cafe.duration_minutes, cafe.is_drop_in) == (17, 120, True)
    assert {"pl", "es", "lt"} <= set(cafe.languages)
    assert "100–110" in cafe.description_html
    assert cafe.venue is not None and cafe.venue.slug == "solvberget"

    assert series_by_key("international-cultural-cafe").rrule == "FREQ=WEEKLY;BYDAY=WE"
    world_day = series_by_key("childrens-world-day")
    assert world_day.rrule == "FREQ=YEARLY;BYMONTH=3;BYDAY=2SA"
    assert (world_day.age_min, world_day.age_max) == (3, 11)
    assert "FREQ=YEARLY;BYMONTH=2" in (series_by_key("carnival").rrule or "")
    assert "piñata" in series_by_key("carnival").description_html
    assert series_by_key("kite-festival").is_all_day
    assert series_by_key("kite-workshop").rrule
    assert series_by_key("youth-seminar").rrule
    voting = db.session.scalars(sa.select(EventSeries).where(EventSeries.uid.like("voting-information-%"))).all()
    assert len(voting) == 2 and all("stemmer" in series.title for series in voting)

    # Texts in several languages (issue 12): Norwegian originals and their versions, whatever LANGUAGES is.
    def versions(series: EventSeries) -> set[str]:
        return {version.language for version in series.text_versions}

    assert cafe.original_language == "nb" and versions(cafe) == {"en", "pl", "es", "lt"}
    assert world_day.original_language == "nb" and versions(world_day) == {"en", "ar"}
    assert all(series.original_language == "nb" and versions(series) == {"en", "pl", "uk", "ar"} for series in voting)
    assert all(not version.is_stale for series in (cafe, world_day, *voting) for version in series.text_versions)
    assert {v.language for v in db.session.scalars(sa.select(Venue).where(Venue.slug == "solvberget")).one().text_versions} == {"nb", "pl"}

    # History: the recurring programme started about a year ago.
    assert cafe.start_at < clock.now() - timedelta(days=300)
    examples = db.session.scalars(sa.select(Organisation).where(Organisation.is_example.is_(True))).all()
    assert len(examples) >= 30
    assert all("(example)" in organisation.description for organisation in examples)
    venues = db.session.scalars(sa.select(Venue)).all()
    assert len(venues) >= 6 and all(venue.has_geo or "Stavanger" in venue.address for venue in venues)

    cancelled = db.session.scalar(sa.select(sa.func.count()).select_from(Occurrence)
                                  .where(Occurrence.status == OccurrenceStatus.CANCELLED))
    moved = db.session.scalar(sa.select(sa.func.count()).select_from(Occurrence).where(Occurrence.is_moved))
    assert cancelled >= 3 and moved >= 1
    statuses = set(db.session.scalars(sa.select(EventSeries.status)))
    assert {SeriesStatus.PUBLISHED, SeriesStatus.CANCELLED, SeriesStatus.DRAFT} <= statuses


def test_demo_accounts_can_sign_in(runner, client, auth):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.remove()

    for email in (COORDINATOR_EMAIL, EDITOR_EMAIL):
        response = auth.login(email, DEMO_PASSWORD)
        assert response.status_code == 302, email
        auth.logout()


def test_demo_programme_page_renders(runner, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db.session.remove()

    html = client.get("/").get_data(as_text=True)

    assert "Language café at the library" in html and "International Cultural Café" in html
    assert "Cancelled" in html and "Moved from" in html
    assert "Neighbourhood clean-up day" not in html  # the draft


def past_occurrences(series: EventSeries, now) -> list[Occurrence]:  # type: ignore[no-untyped-def]
    return list(db.session.scalars(
        sa.select(Occurrence).where(Occurrence.series_id == series.id, Occurrence.end_at <= now,
                                    Occurrence.status == OccurrenceStatus.SCHEDULED).order_by(Occurrence.start_at)))


def test_past_dates_carry_realistic_attendance(runner, clock):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0

    published = db.session.scalars(sa.select(EventSeries).where(EventSeries.status == SeriesStatus.PUBLISHED)).all()
    missing = [occ for series in published for occ in past_occurrences(series, clock.now())
               if db.session.scalar(sa.select(AttendanceRecord).where(AttendanceRecord.occurrence_id == occ.id)) is None]
    assert missing == []  # nothing for a nudge to ask about
    cafe = series_by_key("language-cafe-solvberget")
    categories = [category.name for category in series_categories(cafe.id)]
    assert categories == ["Polish", "Spanish", "Lithuanian", "Other languages"]
    records = [db.session.scalar(sa.select(AttendanceRecord).where(AttendanceRecord.occurrence_id == occ.id))
               for occ in past_occurrences(cafe, clock.now())]
    assert len(records) > 90  # twice a week for a year, less the cancelled dates
    totals = [record.total for record in records]
    assert min(totals) >= 100 and max(totals) <= 110 and len(set(totals)) > 5
    for record in records:
        assert list(record.breakdown) == categories and sum(record.breakdown.values()) == record.total
        assert record.breakdown["Polish"] > record.breakdown["Lithuanian"] > 0
    small = [record.total for occ in past_occurrences(series_by_key("somali-womens-meeting"), clock.now())
             if (record := db.session.scalar(sa.select(AttendanceRecord).where(AttendanceRecord.occurrence_id == occ.id)))]
    assert small and 10 <= min(small) and max(small) <= 20


def test_demo_counts_are_the_same_on_every_run() -> None:
    moment = datetime(2026, 3, 3, 16, 0, tzinfo=timezone.utc)
    assert demo_attendance("language-cafe-solvberget", moment) == demo_attendance("language-cafe-solvberget", moment)
    values = {demo_attendance("language-cafe-solvberget", moment + timedelta(weeks=n))[0] for n in range(30)}
    assert len(values) > 5 and values <= set(range(100, 111))


def test_reports_show_the_demo_counts(runner, client, auth, clock):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    cafe = series_by_key("language-cafe-solvberget")
    auth.login(COORDINATOR_EMAIL, DEMO_PASSWORD)

    page = client.get(f"/manage/attendance/series/{cafe.id}/report").get_data(as_text=True)
    average = float(re.search(r"<dt>Average</dt><dd>([\d.]+)</dd>", page).group(1))
    assert 100 <= average <= 110
    assert "no count yet" not in page  # the clock stands before today's café
    network = client.get("/manage/attendance/reports/").get_data(as_text=True)
    assert re.search(r"people in all", network) and not re.search(r"; 0 people in all", network)
