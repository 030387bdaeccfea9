"""The occurrence page: cancel (with reason), restore and move one date."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from ink.core import signals
from ink.events.models import Occurrence, OccurrenceStatus
from ink.extensions import db


def test_occurrence_page(client, weekly):
    series, occurrences = weekly
    response = client.get(f"/manage/occurrences/{occurrences[1].id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Café" in html and "17:00–19:00" in html
    assert 'name="reason"' in html and 'name="date"' in html


def test_cancel_and_restore(client, weekly):
    _, occurrences = weekly
    occ = occurrences[1]
    heard = []
    with signals.occurrence_cancelled.connected_to(lambda sender, **kw: heard.append(sender.id)):
        response = client.post(f"/manage/occurrences/{occ.id}/cancel", data={"reason": "Hall closed", "confirmed": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert occ.status == OccurrenceStatus.CANCELLED and occ.cancel_reason == "Hall closed"
    assert heard == [occ.id]
    assert "Hall closed" in client.get(f"/manage/occurrences/{occ.id}").get_data(as_text=True)
    response = client.post(f"/manage/occurrences/{occ.id}/restore", data={"back": "series"})
    assert response.headers["Location"].endswith(f"/manage/series/{occ.series_id}")
    db.session.expire_all()
    assert occ.status == OccurrenceStatus.SCHEDULED and occ.cancel_reason == ""


def test_cancel_from_series_page_returns_there(client, weekly):
    series, occurrences = weekly
    page = client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    assert f"/manage/occurrences/{occurrences[0].id}/cancel" in page
    response = client.post(f"/manage/occurrences/{occurrences[0].id}/cancel", data={"back": "series", "reason": "", "confirmed": "yes"})
    assert response.headers["Location"].endswith(f"/manage/series/{series.id}")


def test_cancel_reason_too_long(client, weekly):
    _, occurrences = weekly
    response = client.post(f"/manage/occurrences/{occurrences[1].id}/cancel", data={"reason": "x" * 301})
    assert response.status_code == 422
    db.session.expire_all()
    assert occurrences[1].status == OccurrenceStatus.SCHEDULED


def test_move_to_other_day_time_and_venue(client, weekly, factory):
    _, occurrences = weekly
    venue = factory.venue("Town hall")
    occ = occurrences[1]  # Tuesday 9 June 2026 17:00 Oslo
    original = occ.original_start_at
    response = client.post(f"/manage/occurrences/{occ.id}/move", data={
        "date": "2026-06-10", "start_time": "18:00", "end_time": "20:30", "venue": str(venue.id),
        "note": "Moved because of the national day"})
    assert response.status_code == 302
    db.session.expire_all()
    assert occ.is_moved and occ.original_start_at == original
    assert occ.start_at == datetime(2026, 6, 10, 16, 0, tzinfo=timezone.utc)
    assert occ.end_at - occ.start_at == timedelta(minutes=150)
    assert occ.venue_id == venue.id and occ.note == "Moved because of the national day"
    html = client.get(f"/manage/occurrences/{occ.id}").get_data(as_text=True)
    assert "Town hall" in html and "Originally" in html


@pytest.mark.parametrize(("data", "field"), [
    ({"date": "2026-06-10", "start_time": "18:00", "end_time": "17:00"}, "end_time"),
    ({"date": "2026-06-10", "start_time": "18:00", "end_time": ""}, "end_time"),
    ({"date": "", "start_time": "18:00", "end_time": "19:00"}, "date"),
    ({"date": "2026-13-10", "start_time": "18:00", "end_time": "19:00"}, "date"),
    ({"date": "2026-06-10", "start_time": "18:00", "end_time": "19:00", "venue": "424242"}, "venue"),
    ({"date": "2026-06-10", "start_time": "18:00", "end_time": "19:00", "note": "x" * 1001}, "note"),
])
def test_move_with_bad_input_is_422_and_changes_nothing(client, weekly, data, field):
    _, occurrences = weekly
    occ = occurrences[1]
    before = (occ.start_at, occ.end_at, occ.venue_id, occ.note)
    response = client.post(f"/manage/occurrences/{occ.id}/move", data=data)
    assert response.status_code == 422
    assert f'id="{field}-errors"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert (occ.start_at, occ.end_at, occ.venue_id, occ.note) == before and not occ.is_moved


def test_move_all_day_occurrence_keeps_its_span(client, factory, auth):
    org = factory.organisation("Kites")
    factory.user("kite@example.org", editor_of=[org])
    auth.login("kite@example.org")
    series = factory.series(organisation=org, start_local=datetime(2026, 7, 4), is_all_day=True, all_day_days=2,
                            duration_minutes=None)
    occ = db.session.scalars(sa.select(Occurrence).where(Occurrence.series_id == series.id)).one()
    assert 'name="start_time"' not in client.get(f"/manage/occurrences/{occ.id}").get_data(as_text=True)
    response = client.post(f"/manage/occurrences/{occ.id}/move", data={"date": "2026-07-11"})
    assert response.status_code == 302
    db.session.expire_all()
    assert occ.start_at == datetime(2026, 7, 10, 22, 0, tzinfo=timezone.utc)
    assert occ.end_at - occ.start_at == timedelta(days=2)


def test_missing_occurrence_is_404(client, weekly):
    assert client.get("/manage/occurrences/999999").status_code == 404
    assert client.post("/manage/occurrences/999999/cancel").status_code == 404


def test_series_page_paginates_upcoming_and_past(client, weekly, clock):
    series, _ = weekly
    clock.advance(days=7 * 30)
    html = client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    assert "Past dates" in html and "Page 1 of 2" in html
    assert client.get(f"/manage/series/{series.id}?past=2&upcoming=3").status_code == 200
    assert client.get(f"/manage/series/{series.id}?past=x&upcoming=-1").status_code == 200
