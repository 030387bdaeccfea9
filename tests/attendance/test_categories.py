"""Breakdown categories can be renamed (their counts stay, keyed by id) and reordered."""
from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from ink.attendance.models import AttendanceCategory, AttendanceRecord, AttendanceRevision, CountMethod
from ink.attendance.service import add_category, create_door_link, door_link_token, record_attendance
from ink.extensions import db


def categories_url(network) -> str:  # type: ignore[no-untyped-def]
    return f"/manage/attendance/series/{network.series.id}/categories"


def names() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AttendanceCategory.name)
                                   .order_by(AttendanceCategory.position, AttendanceCategory.id)))


def test_renaming_a_category_keeps_its_counts(client, auth, network, clock):  # type: ignore[no-untyped-def]
    children = add_category(network.series, "Children")
    adults = add_category(network.series, "Adults")
    record_attendance(network.past(), total=10, breakdown={children.id: 3, adults.id: 7},
                      method=CountMethod.HEAD_COUNT, user=network.editor, now=clock.now())
    link = create_door_link(network.today(), user=network.editor, now=clock.now())
    db.session.commit()
    door = f"/door/{door_link_token(link)}"
    for _ in range(2):
        client.post(f"{door}/tap", json={"delta": 1, "category": children.id, "tap_id": str(uuid.uuid4())})

    auth.login("partner@example.org")  # a co-organiser's editor
    response = client.post(f"{categories_url(network)}/{children.id}/rename", data={"name": "  Kids  under 12 "})
    assert response.status_code == 302
    assert names() == ["Kids under 12", "Adults"]
    # The live door count is keyed by id: still 2, under the new name.
    assert client.get(f"{door}/state").get_json()["categories"] == {str(children.id): 2, str(adults.id): 0}
    assert re.search(r"Kids under 12: <span[^>]*>2</span>", client.get(door).get_data(as_text=True))
    # The current record follows the new name (the correction form is filled in); history keeps the old.
    record = db.session.scalar(sa.select(AttendanceRecord))
    assert record.breakdown == {"Kids under 12": 3, "Adults": 7}
    assert db.session.scalar(sa.select(AttendanceRevision.breakdown)) == {"Children": 3, "Adults": 7}
    form = client.get(f"/manage/attendance/occurrences/{network.past().id}").get_data(as_text=True)
    assert re.search(rf'id="category_{children.id}"[^>]*value="3"', form)
    # A case-only change of its own name is fine.
    assert client.post(f"{categories_url(network)}/{adults.id}/rename", data={"name": "adults"}).status_code == 302
    assert names() == ["Kids under 12", "adults"]


def test_rename_refuses_blank_duplicate_and_long_names(client, auth, network):  # type: ignore[no-untyped-def]
    children = add_category(network.series, "Children")
    add_category(network.series, "Adults")
    db.session.commit()
    auth.login("editor@example.org")
    rename = f"{categories_url(network)}/{children.id}/rename"
    duplicate = client.post(rename, data={"name": "ADULTS"})
    assert duplicate.status_code == 422
    html = duplicate.get_data(as_text=True)
    assert re.search(rf'id="category-{children.id}-errors"><li>This event already has that category.', html)
    assert 'aria-invalid="true"' in html and 'value="ADULTS"' in html
    for bad in ("   ", "x" * 81):
        assert client.post(rename, data={"name": bad}).status_code == 422
    assert names() == ["Children", "Adults"]


def test_categories_can_be_reordered_and_the_door_follows(client, auth, network, clock):  # type: ignore[no-untyped-def]
    children = add_category(network.series, "Children")
    youth = add_category(network.series, "Youth")
    adults = add_category(network.series, "Adults")
    link = create_door_link(network.today(), user=network.editor, now=clock.now())
    db.session.commit()
    auth.login("editor@example.org")
    assert client.post(f"{categories_url(network)}/{adults.id}/move/up").status_code == 302
    assert names() == ["Children", "Adults", "Youth"]
    assert client.post(f"{categories_url(network)}/{children.id}/move/down").status_code == 302
    assert names() == ["Adults", "Children", "Youth"]
    client.post(f"{categories_url(network)}/{adults.id}/move/up")  # already first: nothing moves
    assert names() == ["Adults", "Children", "Youth"]
    assert client.post(f"{categories_url(network)}/{adults.id}/move/sideways").status_code == 404
    door = client.get(f"/door/{door_link_token(link)}").get_data(as_text=True)
    order = [door.index(f'id="cat-{c.id}-name"') for c in (adults, children, youth)]
    assert order == sorted(order)


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):  # type: ignore[no-untyped-def]
        return {"WTF_CSRF_ENABLED": True}

    def test_rename_needs_the_csrf_token(self, client, network):  # type: ignore[no-untyped-def]
        children = add_category(network.series, "Children")
        db.session.commit()
        login = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
        client.post("/login", data={"email": "editor@example.org", "password": "correct horse battery",
                                    "csrf_token": token})
        rename = f"{categories_url(network)}/{children.id}/rename"
        assert client.post(rename, data={"name": "Kids"}).status_code in (400, 422)
        assert names() == ["Children"]
        page = client.get(categories_url(network)).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post(rename, data={"name": "Kids", "csrf_token": token}).status_code == 302
        assert names() == ["Kids"]
