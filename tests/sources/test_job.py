"""The scheduled job and the command: every source not fetched within SYNC_INTERVAL_MINUTES is synced."""
from __future__ import annotations

from ink.extensions import db
from ink.jobs import jobs_of
from ink.sources.sync import sync_due_sources
from tests.sources.conftest import calendar_file


def test_the_job_is_registered_with_the_interval(app) -> None:  # type: ignore[no-untyped-def]
    job = next(job for job in jobs_of(app) if job.name == "sync-sources")
    assert (job.trigger, job.trigger_args) == ("interval", {"minutes": 15})


def test_due_sources_are_synced_once_per_interval(calendar_server, make_source, clock, runner) -> None:  # type: ignore[no-untyped-def]
    source = make_source(calendar_server.serve("/o.ics", calendar_file("outlook.ics")))
    assert sync_due_sources(clock.now()) == "1 synced"
    clock.advance(minutes=5)
    assert sync_due_sources(clock.now()) == "no sources due"
    clock.advance(minutes=10)
    result = runner.invoke(args=["sync-sources"])
    assert result.exit_code == 0 and result.output.strip() == "1 not-modified"
    assert calendar_server.statuses("/o.ics") == [200, 304]
    db.session.refresh(source)
    assert source.last_fetched_at == clock.now()
