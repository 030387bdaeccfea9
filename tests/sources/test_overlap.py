"""Two syncs of the same source at the same time: one does the work, the other finds the lease and
does nothing (committing test: each thread has its own session and connection)."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from ink.events.models import EventSeries, Occurrence
from ink.extensions import db
from ink.sources.models import SourceEvent
from ink.sources.sync import claim_source, sync_source
from tests.sources.conftest import SOURCES_NOW, calendar_file


def test_overlapping_syncs_do_nothing_twice(app, calendar_server, make_source, database_url) -> None:  # type: ignore[no-untyped-def]
    # The server answers slowly, so the second sync starts while the first is fetching.
    url = calendar_server.serve("/g.ics", calendar_file("google.ics"), delay=0.4)
    source_id = make_source(url).id
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def run() -> None:
        with app.app_context():
            start.wait()
            outcomes.append(sync_source(source_id, now=SOURCES_NOW).outcome)
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["busy", "synced"]
    assert calendar_server.statuses("/g.ics") == [200]  # fetched once
    links = db.session.scalar(sa.select(sa.func.count()).select_from(SourceEvent))
    series = db.session.scalar(sa.select(sa.func.count()).select_from(EventSeries))
    assert links == series == 3
    duplicates = db.session.execute(
        sa.select(Occurrence.series_id, Occurrence.original_start_at, sa.func.count())
        .group_by(Occurrence.series_id, Occurrence.original_start_at).having(sa.func.count() > 1)).all()
    assert duplicates == []


def test_a_lease_is_taken_once_and_expires(app, make_source, database_url) -> None:  # type: ignore[no-untyped-def]
    source_id = make_source("https://example.org/c.ics").id
    assert claim_source(source_id, now=SOURCES_NOW) is True
    db.session.commit()
    assert claim_source(source_id, now=SOURCES_NOW) is False
    db.session.rollback()
    later = SOURCES_NOW.replace(hour=13)
    assert claim_source(source_id, now=later) is True  # a crashed sync's lease runs out
    db.session.commit()
