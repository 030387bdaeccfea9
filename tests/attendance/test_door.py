from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ink.attendance.models import AttendanceRecord, DoorLink, DoorTap
from ink.attendance.service import add_category, create_door_link, door_link_token
from ink.events.service import cancel_occurrence
from ink.extensions import db


def make_link(network, clock, occ=None) -> str:  # type: ignore[no-untyped-def]
    link = create_door_link(occ or network.today(), user=network.editor, now=clock.now())
    db.session.commit()
    return f"/door/{door_link_token(link)}"


def tap(client, path, delta=1, tap_id=None, **extra):  # type: ignore[no-untyped-def]
    return client.post(f"{path}/tap", json={"delta": delta, "tap_id": tap_id or str(uuid.uuid4()), **extra})


def test_editor_creates_a_link_with_qr_code_and_volunteer_counts(client, auth, network, clock):  # type: ignore[no-untyped-def]
    occ = network.today()
    auth.login("editor@example.org")
    response = client.post(f"/manage/attendance/occurrences/{occ.id}/door-links")
    assert response.status_code == 302
    page = client.get(f"/manage/attendance/occurrences/{occ.id}").get_data(as_text=True)
    url = re.search(r'<figcaption><a href="(https://ink\.example\.org/door/[^"]+)"', page).group(1)
    assert '<svg' in page and 'class="segno"' in page  # the QR code, inline
    auth.logout()
    path = url.removeprefix("https://ink.example.org")
    door = client.get(path)
    assert door.status_code == 200
    html = door.get_data(as_text=True)
    assert 'aria-live="polite"' in html and "Language café" in html and "door.js" in html
    assert "<script>" not in html  # CSP: no inline scripts
    assert tap(client, path).get_json()["total"] == 1
    assert tap(client, path).get_json()["total"] == 2
    assert tap(client, path, delta=-1).get_json()["total"] == 1
    assert client.get(f"{path}/state").get_json() == {"total": 1, "categories": {}, "applied": True, "duplicate": False}


def test_retried_tap_counts_once(client, network, clock):  # type: ignore[no-untyped-def]
    path = make_link(network, clock)
    first = tap(client, path, tap_id="a1b2c3d4-0000-0000-0000-000000000001").get_json()
    again = tap(client, path, tap_id="a1b2c3d4-0000-0000-0000-000000000001").get_json()
    assert first["total"] == again["total"] == 1
    assert again["duplicate"] is True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DoorTap)) == 1


def test_total_never_goes_below_zero(client, network, clock):  # type: ignore[no-untyped-def]
    path = make_link(network, clock)
    response = tap(client, path, delta=-1).get_json()
    assert response == {"total": 0, "categories": {}, "applied": False, "duplicate": False}
    tap(client, path, delta=1)
    assert tap(client, path, delta=-1).get_json()["total"] == 0
    assert tap(client, path, delta=-1).get_json()["total"] == 0


def test_categories_get_their_own_buttons_and_counts(client, network, clock):  # type: ignore[no-untyped-def]
    children = add_category(network.series, "Children")
    adults = add_category(network.series, "Adults")
    db.session.commit()
    path = make_link(network, clock)
    html = client.get(path).get_data(as_text=True)
    assert html.count('class="door-plus"') == 2
    tap(client, path, category=children.id)
    result = tap(client, path, category=adults.id).get_json()
    assert result["total"] == 2
    assert result["categories"] == {str(children.id): 1, str(adults.id): 1}
    missing = tap(client, path)
    assert missing.status_code == 400 and missing.get_json()["field"] == "category"


@pytest.mark.parametrize(("body", "field"), [
    ({"delta": 2, "tap_id": "abcdefgh1"}, "delta"),
    ({"delta": True, "tap_id": "abcdefgh1"}, "delta"),
    ({"delta": "1", "tap_id": "abcdefgh1"}, "delta"),
    ({"tap_id": "abcdefgh1"}, "delta"),
    ({"delta": 1}, "tap_id"),
    ({"delta": 1, "tap_id": "short"}, "tap_id"),
    ({"delta": 1, "tap_id": "x" * 65}, "tap_id"),
    ({"delta": 1, "tap_id": "has space 123"}, "tap_id"),
    ({"delta": 1, "tap_id": "abcdefgh1", "category": "kids"}, "category"),
    ({"delta": 1, "tap_id": "abcdefgh1", "category": 99999}, "category"),
    ({"delta": 1, "tap_id": "abcdefgh1", "extra": 1}, "extra"),
    ([1, 2], "body"),
])
def test_malformed_taps_get_json_errors_naming_the_field(client, network, clock, body, field):  # type: ignore[no-untyped-def]
    path = make_link(network, clock)
    response = client.post(f"{path}/tap", json=body)
    assert response.status_code == 400
    assert response.is_json and response.get_json()["field"] == field
    assert client.get(f"{path}/state").get_json()["total"] == 0


def test_non_json_body_is_a_400(client, network, clock):  # type: ignore[no-untyped-def]
    path = make_link(network, clock)
    response = client.post(f"{path}/tap", data="delta=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.get_json()["field"] == "body"


@pytest.mark.parametrize("body", ["[" * 1000, "[" * 100_000, '{"delta": ' + "[" * 5000 + "]" * 5000 + "}"])
def test_deeply_nested_json_is_a_400_not_a_500(client, network, clock, body):  # type: ignore[no-untyped-def]
    """Regression (issue #8): the JSON parser's RecursionError used to escape as a 500."""
    path = make_link(network, clock)
    response = client.post(f"{path}/tap", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.is_json and response.get_json()["field"] == "body"
    assert client.get(f"{path}/state").get_json()["total"] == 0


def test_revoked_link_gets_a_clear_410(client, auth, network, clock):  # type: ignore[no-untyped-def]
    path = make_link(network, clock)
    tap(client, path)
    link = db.session.scalar(sa.select(DoorLink))
    auth.login("editor@example.org")
    assert client.post(f"/manage/attendance/door-links/{link.id}/revoke").status_code == 302
    auth.logout()
    page = client.get(path)
    assert page.status_code == 410
    assert "switched off by the organiser" in page.get_data(as_text=True)
    refused = tap(client, path)
    assert refused.status_code == 410 and "switched off" in refused.get_json()["error"]
    assert client.get(f"{path}/state").status_code == 410


def test_link_expires_hours_after_the_end(client, network, clock):  # type: ignore[no-untyped-def]
    path = make_link(network, clock)
    occ = network.today()
    clock.set(occ.end_at + timedelta(hours=3, minutes=59))
    assert tap(client, path).status_code == 200
    clock.set(occ.end_at + timedelta(hours=4))
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert tap(client, path).status_code == 410


def test_link_before_its_day_and_on_cancelled_occurrence(client, network, clock):  # type: ignore[no-untyped-def]
    later = network.occurrences()[5]  # next week
    path = make_link(network, clock, later)
    assert client.get(path).status_code == 409
    assert tap(client, path).status_code == 409
    clock.set(later.start_at)
    assert tap(client, path).status_code == 200
    cancel_occurrence(later, reason="Flood", now=clock.now())
    db.session.commit()
    assert client.get(path).status_code == 410


def test_link_before_its_day_says_when_it_opens(client, network, clock):  # type: ignore[no-untyped-def]
    """Regression (issue #8): it said "Thank you for counting!" and nothing about when it opens."""
    later = network.occurrences()[5]  # Tuesday 9 June 2026, 18:00 Oslo
    path = make_link(network, clock, later)
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Thank you for counting" not in html
    assert "Counting opens on Tuesday 9 June 2026, the day of the event, which starts at 18:00." in html
    norwegian = client.get(path, headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert "tirsdag 9. juni 2026" in norwegian and "18:00" in norwegian


def test_door_buttons_names_start_with_their_visible_text(client, network, clock):  # type: ignore[no-untyped-def]
    """Regression (issue #8, WCAG 2.5.3): an aria-label "Remove one from Adults" hid the visible "−1"."""
    adults = add_category(network.series, "Adults")
    html = client.get(make_link(network, clock)).get_data(as_text=True)
    assert "aria-label=" not in html
    assert f'data-category="{adults.id}"' in html
    assert '<bdi dir="ltr">−1</bdi><span class="visually-hidden"> Adults</span>' in html
    assert '<bdi dir="ltr">+1</bdi><span class="visually-hidden"> Adults</span>' in html
    assert 'data-msg-zero="Adults is already at 0."' in html


@pytest.mark.parametrize("token", ["nonsense", "WzEsImFiYyJd.forged"])
def test_forged_tokens_are_404(client, network, clock, token):  # type: ignore[no-untyped-def]
    make_link(network, clock)
    assert client.get(f"/door/{token}").status_code == 404
    response = tap(client, f"/door/{token}")
    assert response.status_code == 404 and response.is_json


def test_wrong_nonce_is_404(app, client, network, clock):  # type: ignore[no-untyped-def]
    make_link(network, clock)
    link = db.session.scalar(sa.select(DoorLink))
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer(app.config["SECRET_KEY"], salt="ink.attendance.door-link").dumps([link.id, "0" * 32])
    assert client.get(f"/door/{forged}").status_code == 404


def test_accepting_the_door_count_makes_it_the_record(client, auth, network, clock):  # type: ignore[no-untyped-def]
    children = add_category(network.series, "Children")
    adults = add_category(network.series, "Adults")
    db.session.commit()
    path = make_link(network, clock)
    for category in (children.id, adults.id, adults.id):
        tap(client, path, category=category)
    occ = network.today()
    auth.login("editor@example.org")
    early = client.post(f"/manage/attendance/occurrences/{occ.id}/accept-door-count")
    assert early.status_code == 422  # not started yet
    clock.set(occ.end_at)
    response = client.post(f"/manage/attendance/occurrences/{occ.id}/accept-door-count")
    assert response.status_code == 302
    record = db.session.scalar(sa.select(AttendanceRecord))
    assert (record.total, record.method, record.breakdown) == (3, "door_counter", {"Children": 1, "Adults": 2})


def test_door_taps_work_with_csrf_enabled(app, client, network, clock):  # type: ignore[no-untyped-def]
    app.config["WTF_CSRF_ENABLED"] = True
    path = make_link(network, clock)
    assert tap(client, path).get_json()["total"] == 1


def test_cli_prints_the_absolute_link(runner, network, clock):  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["door-link", str(network.series.id), "2026-06-02"])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url.startswith("https://ink.example.org/door/")
    link = db.session.scalar(sa.select(DoorLink))
    assert link.occurrence_id == network.today().id
    none = runner.invoke(args=["door-link", str(network.series.id), "2026-06-03"])
    assert none.exit_code != 0 and "no occurrence on 2026-06-03" in none.output
    bad = runner.invoke(args=["door-link", str(network.series.id), "yesterday"])
    assert bad.exit_code != 0
