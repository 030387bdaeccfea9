"""seed-demo: the network's real programme, loaded idempotently."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ink.demo import COORDINATOR_EMAIL, DEMO_PASSWORD, EDITOR_EMAIL, UID_SUFFIX
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
    assert len(voting) == 2 and all("vote" in series.title for series in voting)

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
