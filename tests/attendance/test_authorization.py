"""Every attendance endpoint, as another organisation's editor: 403 and nothing changes.
Anonymous visitors are sent to sign in; organisers, co-organisers and coordinators get through."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ink.attendance.models import (
    AttendanceCategory,
    AttendanceRecord,
    AttendanceRevision,
    CountMethod,
    DoorCount,
    DoorLink,
    DoorTap,
)
from ink.attendance.service import add_category, create_door_link, record_attendance
from ink.extensions import db


@pytest.fixture
def setup(network, clock):  # type: ignore[no-untyped-def]
    category = add_category(network.series, "Children")
    record_attendance(network.past(), total=4, breakdown={category.id: 4}, method=CountMethod.HEAD_COUNT,
                      user=network.editor, now=clock.now())
    link = create_door_link(network.today(), user=network.editor, now=clock.now())
    db.session.commit()
    return {"past": network.past().id, "today": network.today().id, "series": network.series.id,
            "category": category.id, "link": link.id, "org": network.org.id}


def endpoints(ids: dict[str, int]) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("GET", f"/manage/attendance/occurrences/{ids['past']}", {}),
        ("POST", f"/manage/attendance/occurrences/{ids['past']}", {"total": "9", "method": "estimate", f"category_{ids['category']}": "9"}),
        ("POST", f"/manage/attendance/occurrences/{ids['today']}/accept-door-count", {}),
        ("POST", f"/manage/attendance/occurrences/{ids['today']}/door-links", {}),
        ("POST", f"/manage/attendance/door-links/{ids['link']}/revoke", {}),
        ("GET", f"/manage/attendance/series/{ids['series']}/categories", {}),
        ("POST", f"/manage/attendance/series/{ids['series']}/categories", {"name": "Adults"}),
        ("POST", f"/manage/attendance/series/{ids['series']}/categories/{ids['category']}/rename", {"name": "Kids"}),
        ("POST", f"/manage/attendance/series/{ids['series']}/categories/{ids['category']}/move/down", {}),
        ("POST", f"/manage/attendance/series/{ids['series']}/categories/{ids['category']}/delete", {}),
        ("GET", f"/manage/attendance/series/{ids['series']}/report", {}),
        ("GET", f"/manage/attendance/series/{ids['series']}/report?format=csv", {}),
        ("GET", f"/manage/attendance/reports/organisations/{ids['org']}", {}),
        ("GET", f"/manage/attendance/reports/organisations/{ids['org']}?format=csv&table=months", {}),
        ("GET", f"/manage/attendance/reports/annual?organisation={ids['org']}", {}),
        ("GET", "/manage/attendance/reports/", {}),
        ("GET", "/manage/attendance/reports/?format=csv&table=totals", {}),
        ("GET", "/manage/attendance/reports/annual", {}),
    ]


def snapshot() -> list[object]:
    tables = [AttendanceCategory, AttendanceRecord, AttendanceRevision, DoorLink, DoorCount, DoorTap]
    db.session.expire_all()
    return [
        *[db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables],
        [(r.total, r.method) for r in db.session.scalars(sa.select(AttendanceRecord))],
        [link.revoked_at for link in db.session.scalars(sa.select(DoorLink))],
        [(c.name, c.position) for c in db.session.scalars(sa.select(AttendanceCategory).order_by(AttendanceCategory.id))],
    ]


def test_another_organisations_editor_gets_403_and_nothing_changes(client, auth, setup):  # type: ignore[no-untyped-def]
    before = snapshot()
    auth.login("outsider@example.org")
    for method, url, data in endpoints(setup):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, (method, url, response.status_code)
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_sign_in(client, setup):  # type: ignore[no-untyped-def]
    before = snapshot()
    for method, url, data in endpoints(setup):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 302 and "/login" in response.headers["Location"], (method, url)
    assert snapshot() == before


def test_editors_cannot_see_network_reports_but_see_their_own(client, auth, setup):  # type: ignore[no-untyped-def]
    auth.login("editor@example.org")
    assert client.get("/manage/attendance/reports/").status_code == 403
    assert client.get("/manage/attendance/reports/annual").status_code == 403
    assert client.get(f"/manage/attendance/reports/organisations/{setup['org']}").status_code == 200
    assert client.get(f"/manage/attendance/reports/annual?organisation={setup['org']}").status_code == 200


@pytest.mark.parametrize("email", ["editor@example.org", "partner@example.org", "coordinator@example.org"])
def test_organisers_co_organisers_and_coordinators_may_count(client, auth, setup, email):  # type: ignore[no-untyped-def]
    auth.login(email)
    for method, url, _data in endpoints(setup):
        if method == "GET" and "/reports/" not in url:
            assert client.get(url).status_code == 200, url
    response = client.post(f"/manage/attendance/occurrences/{setup['past']}",
                           data={"total": "9", "method": "estimate", f"category_{setup['category']}": "9"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(AttendanceRecord.total)) == 9


def test_missing_objects_are_404(client, auth, setup):  # type: ignore[no-untyped-def]
    auth.login("coordinator@example.org")
    assert client.get("/manage/attendance/occurrences/999999").status_code == 404
    assert client.post("/manage/attendance/door-links/999999/revoke").status_code == 404
    assert client.get("/manage/attendance/series/999999/report").status_code == 404
    assert client.get("/manage/attendance/reports/organisations/999999").status_code == 404
    assert client.post(f"/manage/attendance/series/{setup['series']}/categories/999999/delete").status_code == 404
    assert client.post(f"/manage/attendance/series/{setup['series']}/categories/999999/rename",
                       data={"name": "Kids"}).status_code == 404
    for huge in ("2147483648", "99999999999999999999"):  # beyond a 32-bit key: 404, not a database error
        assert client.get(f"/manage/attendance/occurrences/{huge}").status_code == 404
        assert client.get(f"/manage/attendance/series/{huge}/report").status_code == 404
        assert client.get(f"/manage/attendance/reports/organisations/{huge}").status_code == 404
        assert client.get(f"/manage/attendance/reports/annual?organisation={huge}").status_code == 404
        assert client.post(f"/manage/attendance/door-links/{huge}/revoke").status_code == 404
