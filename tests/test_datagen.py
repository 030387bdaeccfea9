"""generate-data: a plausible synthetic network, deterministic for a seed."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ink.datagen import generate_network
from ink.events.models import EventSeries, Occurrence, OccurrenceStatus
from ink.extensions import db
from ink.organisations.models import Organisation
from tests.conftest import empty_all_tables


def dump() -> list[tuple[object, ...]]:
    series = db.session.execute(
        sa.select(EventSeries.uid, EventSeries.title, EventSeries.rrule, EventSeries.start_local, EventSeries.status)
        .order_by(EventSeries.uid)
    ).all()
    occurrences = db.session.execute(
        sa.select(EventSeries.uid, Occurrence.start_at, Occurrence.status).join(Occurrence.series)
        .order_by(EventSeries.uid, Occurrence.original_start_at)
    ).all()
    return [*series, *occurrences]


def test_small_network_has_plausible_counts(runner, clock):
    result = runner.invoke(args=["generate-data", "--organisations", "5", "--years", "1", "--seed", "3"])

    assert result.exit_code == 0, result.output
    assert "Generated 5 organisations" in result.output and " s." in result.output
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 5
    start, end = clock.now() - timedelta(days=365), clock.now()
    last_year = db.session.scalar(sa.select(sa.func.count()).select_from(Occurrence)
                                  .where(Occurrence.start_at >= start, Occurrence.start_at < end))
    assert 550 <= last_year <= 900  # about 700 events a year
    horizon = db.session.scalar(sa.select(sa.func.max(Occurrence.start_at)))
    assert horizon > clock.now() + timedelta(days=600)
    kinds = set(db.session.scalars(sa.select(EventSeries.rrule)))
    assert None in kinds  # one-offs
    assert any(rule and "FREQ=WEEKLY" in rule and "UNTIL" in rule for rule in kinds)
    assert any(rule and "INTERVAL=2" in rule for rule in kinds)
    assert any(rule and "FREQ=MONTHLY" in rule for rule in kinds)
    assert any(rule and "FREQ=YEARLY" in rule for rule in kinds)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Occurrence)
                             .where(Occurrence.status == OccurrenceStatus.CANCELLED)) > 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Occurrence).where(Occurrence.is_moved)) > 0


def test_same_seed_gives_the_same_network(app, clock):
    generate_network(organisations=4, years=1, seed=7)
    db.session.commit()
    first = dump()
    empty_all_tables()
    clock.advance(hours=9)  # later the same day

    generate_network(organisations=4, years=1, seed=7)
    db.session.commit()

    assert dump() == first


def test_refuses_to_generate_twice(runner):
    assert runner.invoke(args=["generate-data", "--organisations", "2", "--years", "1"]).exit_code == 0
    again = runner.invoke(args=["generate-data", "--organisations", "2", "--years", "1"])

    assert again.exit_code != 0
    assert "already holds generated data" in again.output


def test_rejects_nonsense_sizes(runner):
    result = runner.invoke(args=["generate-data", "--organisations", "0"])

    assert result.exit_code != 0
