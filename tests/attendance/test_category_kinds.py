"""Categories that split the total (adults / children) and tallies counted beside it (first visit):
a tally is never added to the total, at the door, in the count form, in reports and CSV."""
from __future__ import annotations

import csv
import io
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from ink import create_app
from ink.attendance.models import AttendanceCategory, AttendanceRecord, CategoryKind, CountMethod
from ink.attendance.service import (
    accept_door_count,
    add_category,
    create_door_link,
    door_link_token,
    record_attendance,
    set_category_kind,
)
from ink.extensions import db
from tests.conftest import base_config
from tests.factories import Factory


def door(network, clock) -> str:  # type: ignore[no-untyped-def]
    link = create_door_link(network.today(), user=network.editor, now=clock.now())
    db.session.commit()
    return f"/door/{door_link_token(link)}"


def tap(client, path, category=None, delta=1):  # type: ignore[no-untyped-def]
    body = {"delta": delta, "tap_id": str(uuid.uuid4())}
    if category is not None:
        body["category"] = category
    response = client.post(f"{path}/tap", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_tally_is_counted_beside_the_door_total_not_in_it(client, network, clock):  # type: ignore[no-untyped-def]
    adults = add_category(network.series, "Adults")
    children = add_category(network.series, "Children")
    first = add_category(network.series, "First visit", CategoryKind.TALLY)
    path = door(network, clock)
    tap(client, path, adults.id)
    tap(client, path, adults.id)
    tap(client, path, children.id)
    state = tap(client, path, first.id)
    assert state["total"] == 3  # was 4: the first-timers were counted twice
    assert state["categories"] == {str(adults.id): 2, str(children.id): 1, str(first.id): 1}
    assert client.get(f"{path}/state").get_json()["total"] == 3
    page = client.get(path).get_data(as_text=True)
    assert 'id="door-total" aria-live="polite" aria-atomic="true">3<' in page
    assert page.index("Children") < page.index("Also counted") < page.index("First visit")

    clock.set(network.today().start_at)
    record = accept_door_count(network.today(), user=network.editor, now=clock.now())
    assert (record.total, record.breakdown, record.tallies) == (3, {"Adults": 2, "Children": 1}, {"First visit": 1})


def test_with_only_tallies_the_door_counts_a_direct_total(client, network, clock):  # type: ignore[no-untyped-def]
    first = add_category(network.series, "First visit", CategoryKind.TALLY)
    path = door(network, clock)
    tap(client, path)
    tap(client, path)
    state = tap(client, path, first.id)
    assert state["total"] == 2 and state["categories"] == {str(first.id): 1}
    assert tap(client, path, first.id, delta=-1)["total"] == 2
    clock.set(network.today().start_at)
    record = accept_door_count(network.today(), user=network.editor, now=clock.now())
    assert (record.total, record.breakdown, record.tallies) == (2, {}, {"First visit": 0})


def test_count_form_keeps_tallies_beside_the_total(client, auth, network, clock):  # type: ignore[no-untyped-def]
    adults = add_category(network.series, "Adults")
    children = add_category(network.series, "Children")
    first = add_category(network.series, "First visit", CategoryKind.TALLY)
    db.session.commit()
    occ = network.past()
    url = f"/manage/attendance/occurrences/{occ.id}"
    auth.login("editor@example.org")
    page = client.get(url).get_data(as_text=True)
    assert "Also counted (optional; people already in the total, not added to it)" in page
    base = {"total": "10", "method": "head_count", f"category_{adults.id}": "7", f"category_{children.id}": "3"}
    # A tally cannot be more than the total.
    response = client.post(url, data={**base, f"category_{first.id}": "11"})
    assert response.status_code == 422 and "First visit cannot be more than the total of 10." in response.get_data(as_text=True)
    # The split categories add up to the total; the tally is not part of that sum.
    assert client.post(url, data={**base, f"category_{first.id}": "4"}).status_code == 302
    record = db.session.scalar(sa.select(AttendanceRecord))
    assert (record.total, record.breakdown, record.tallies) == (10, {"Adults": 7, "Children": 3}, {"First visit": 4})
    assert record.revisions[-1].tallies == {"First visit": 4}
    page = client.get(url).get_data(as_text=True)
    assert "Also counted (already in the total, not added):" in page and "First visit: 4" in page
    # A tally alone, without the breakdown, is fine too.
    assert client.post(url, data={"total": "12", "method": "estimate", f"category_{first.id}": "5"}).status_code == 302
    db.session.expire_all()
    assert (record.total, record.breakdown, record.tallies) == (12, {}, {"First visit": 5})


def test_series_report_and_csv_show_tallies_separately(client, auth, network, clock):  # type: ignore[no-untyped-def]
    adults = add_category(network.series, "Adults")
    first = add_category(network.series, "First visit", CategoryKind.TALLY)
    children = add_category(network.series, "Children")
    record_attendance(network.past(), total=10, breakdown={adults.id: 6, children.id: 4, first.id: 3},
                      method=CountMethod.HEAD_COUNT, user=None, now=clock.now())
    db.session.commit()
    auth.login("editor@example.org")
    url = f"/manage/attendance/series/{network.series.id}/report"
    html = client.get(url).get_data(as_text=True)
    assert "First visit (counted beside the total)" in html
    assert '<div><dt>Total attendance</dt><dd>10</dd></div>' in html
    rows = list(csv.reader(io.StringIO(client.get(f"{url}?format=csv").get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Date", "Status", "Attendance", "Method", "Adults", "Children", "First visit (counted beside the total)"]
    assert rows[4][2:] == ["10", "Head count", "6", "4", "3"]


def test_editor_chooses_and_changes_the_kind(client, auth, network, clock):  # type: ignore[no-untyped-def]
    url = f"/manage/attendance/series/{network.series.id}/categories"
    auth.login("editor@example.org")
    assert "Counted beside the total (for example first visit)" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"name": "Adults"}).status_code == 302  # the kind defaults to split
    assert client.post(url, data={"name": "First visit", "kind": "tally"}).status_code == 302
    assert client.post(url, data={"name": "Other", "kind": "bogus"}).status_code == 422
    kinds = dict(db.session.execute(sa.select(AttendanceCategory.name, AttendanceCategory.kind)).all())
    assert kinds == {"Adults": CategoryKind.SPLIT, "First visit": CategoryKind.TALLY}

    # A category made before kinds existed (a split) holding first visits: the editor makes it a tally,
    # and the current record moves its number beside the total.
    interpreted = add_category(network.series, "Interpreted")
    adults = db.session.scalar(sa.select(AttendanceCategory).where(AttendanceCategory.name == "Adults"))
    record_attendance(network.past(), total=9, breakdown={adults.id: 7, interpreted.id: 2},
                      method=CountMethod.HEAD_COUNT, user=None, now=clock.now())
    db.session.commit()
    response = client.post(f"{url}/{interpreted.id}/kind/tally")
    assert response.status_code == 302
    db.session.expire_all()
    record = db.session.scalar(sa.select(AttendanceRecord))
    assert (record.total, record.breakdown, record.tallies) == (9, {"Adults": 7}, {"Interpreted": 2})
    assert client.post(f"{url}/{interpreted.id}/rename", data={"name": "Needed interpretation"}).status_code == 302
    db.session.expire_all()
    assert record.tallies == {"Needed interpretation": 2}
    assert db.session.get(AttendanceCategory, interpreted.id).kind == CategoryKind.TALLY  # a rename keeps the kind
    set_category_kind(db.session.get(AttendanceCategory, interpreted.id), CategoryKind.SPLIT)
    assert (record.breakdown, record.tallies) == ({"Adults": 7, "Needed interpretation": 2}, {})
    assert client.post(f"{url}/{interpreted.id}/kind/other").status_code == 404
    auth.login("outsider@example.org")
    assert client.post(f"{url}/{interpreted.id}/kind/tally").status_code == 403


@pytest.mark.slow
def test_migration_makes_existing_categories_split(database_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    """0007_category_kinds: categories from before it become "split" (today's behaviour); it downgrades."""
    app = create_app(base_config(database_url))
    with app.app_context():
        db.session.remove()
        _reset_schema(create=False)
        try:
            upgrade()
            category = add_category(Factory(clock).series(), "First visit", CategoryKind.TALLY)
            db.session.commit()
            category_id = category.id
            db.session.remove()
            downgrade(revision="0006_audiences")  # below 0007, whatever migrations come after it
            assert "kind" not in {c["name"] for c in sa.inspect(db.engine).get_columns("attendance_category")}
            upgrade()
            db.session.remove()
            assert db.session.get(AttendanceCategory, category_id).kind == CategoryKind.SPLIT
        finally:
            db.session.remove()
            _reset_schema(create=True)
            db.engine.dispose()


def _reset_schema(*, create: bool) -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    if create:
        db.create_all()
