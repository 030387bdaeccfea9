"""The cancel confirmation pages say how many subscribers will be told, and that many are told."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ink.events.models import Occurrence
from ink.events.recurrence import Recurrence
from ink.extensions import db
from tests.reminders.conftest import run_outbox, subscribe_and_confirm


def test_occurrence_cancel_page_counts_the_subscribers_told(client, factory, auth, clock, smtp_server):  # type: ignore[no-untyped-def]
    org = factory.organisation("Library")
    factory.user("editor@example.org", editor_of=[org])
    series = factory.series(organisation=org, title="Café", start_local=datetime(2026, 6, 2, 17, 0),
                            recurrence=Recurrence(freq="weekly", weekdays=(1,)), duration_minutes=120)
    series_id = series.id
    occ_id = db.session.scalars(sa.select(Occurrence.id).where(Occurrence.series_id == series_id)
                                .order_by(Occurrence.original_start_at).offset(1).limit(1)).one()
    auth.login("editor@example.org")
    page = client.get(f"/manage/occurrences/{occ_id}/cancel").get_data(as_text=True)
    assert "No subscribers will be told." in page
    for email in ("a@example.org", "b@example.org"):
        subscribe_and_confirm(client, smtp_server, clock, email, f"/subscribe/series/{series_id}")
    page = client.get(f"/manage/occurrences/{occ_id}/cancel").get_data(as_text=True)
    assert "2 subscribers will be told by email." in page
    series_page = client.get(f"/manage/series/{series_id}/cancel").get_data(as_text=True)
    assert "2 subscribers will be told by email." in series_page

    response = client.post(f"/manage/occurrences/{occ_id}/cancel", data={"reason": "Hall closed", "confirmed": "yes"})
    assert response.status_code == 302
    run_outbox(clock.now())
    told = [r for r in smtp_server.handler.received if r.subject.startswith("Cancelled:")]
    assert len(told) == 2
