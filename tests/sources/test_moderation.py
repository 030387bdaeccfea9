"""A source that needs moderation: its imported series wait in the moderation queue as a system
submission (no user), named after the source, and a coordinator's approval publishes them."""
from __future__ import annotations

import sqlalchemy as sa

from ink.events.models import EventSeries, ModerationKind, ModerationRequest, SeriesStatus
from ink.extensions import db
from ink.sources.sync import sync_source
from tests.sources.conftest import SOURCES_NOW, calendar_file
from tests.sweep import sign_in


def test_imported_series_wait_in_the_queue_from_the_calendar(client, calendar_server, factory, make_source) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Språkkafé Oslo")
    coordinator = factory.coordinator()
    source = make_source(calendar_server.serve("/google.ics", calendar_file("google.ics")), organisation=organisation,
                         name="Google-kalender", needs_moderation=True)
    assert sync_source(source.id, now=SOURCES_NOW).outcome == "synced"
    series = db.session.scalars(sa.select(EventSeries).order_by(EventSeries.id)).all()
    assert len(series) == 3 and all(s.status == SeriesStatus.DRAFT for s in series)
    requests = db.session.scalars(sa.select(ModerationRequest).order_by(ModerationRequest.series_id)).all()
    assert [(r.series_id, r.kind, r.submitted_by_id, r.source_name, r.is_pending) for r in requests] == \
        [(s.id, ModerationKind.PUBLISH, None, "Google-kalender", True) for s in series]
    # A second sync (same bytes or a changed file with nothing new) asks nothing twice.
    calendar_server.serve("/google.ics", calendar_file("google.ics").replace(b"DTSTAMP:", b"DTSTAMP:2"))
    assert sync_source(source.id, now=SOURCES_NOW).outcome in ("synced", "unchanged")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModerationRequest)) == 3
    sign_in(client, coordinator.email)
    page = client.get("/manage/moderation/").get_data(as_text=True)
    assert page.count("from the calendar Google-kalender") == 3
    request = requests[0]
    response = client.post(f"/manage/moderation/{request.id}/approve",
                           data={f"approve-{request.id}-version": str(request.series.version)})
    assert response.status_code in (200, 302)
    db.session.expire_all()
    assert db.session.get(EventSeries, request.series_id).status == SeriesStatus.PUBLISHED
