from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ink.attendance.models import AttendanceRecord, AttendanceRevision
from ink.attendance.service import add_category
from ink.events.service import cancel_occurrence
from ink.extensions import db


def url(occ) -> str:  # type: ignore[no-untyped-def]
    return f"/manage/attendance/occurrences/{occ.id}"


def records() -> list[AttendanceRecord]:
    return list(db.session.scalars(sa.select(AttendanceRecord)))


def test_editor_enters_and_corrects_a_count_and_history_is_kept(client, auth, network, clock):  # type: ignore[no-untyped-def]
    occ = network.past()
    auth.login("editor@example.org")
    response = client.post(url(occ), data={"total": "23", "method": "head_count", "note": "Rainy evening"})
    assert response.status_code == 302
    clock.advance(hours=1)
    auth.logout()
    auth.login("partner@example.org")  # co-organiser's editor may correct
    response = client.post(url(occ), data={"total": "25", "method": "sign_in_sheet", "note": "Two came late"})
    assert response.status_code == 302
    [record] = records()
    assert (record.total, record.method, record.note) == (25, "sign_in_sheet", "Two came late")
    history = db.session.scalars(sa.select(AttendanceRevision).order_by(AttendanceRevision.id)).all()
    assert [(r.total, r.changed_by_id) for r in history] == [(23, network.editor.id), (25, network.partner_editor.id)]
    assert history[1].changed_at > history[0].changed_at
    page = client.get(url(occ)).get_data(as_text=True)
    assert "partner@example.org" in page and "editor@example.org" in page  # both in the history table


@pytest.mark.parametrize(("value", "message"), [
    ("-1", "Enter a number from 0 to 100000."),
    ("lots", "Not a valid integer value."),
    ("100001", "Enter a number from 0 to 100000."),
    ("", "This field is required."),
])
def test_bad_numbers_get_field_errors(client, auth, network, value, message):  # type: ignore[no-untyped-def]
    auth.login("editor@example.org")
    response = client.post(url(network.past()), data={"total": value, "method": "head_count"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="total-errors">\s*<li>' + re.escape(message), html)
    assert records() == []


@pytest.mark.parametrize("value", ["-2", "some", "100001"])
def test_bad_category_numbers_get_field_errors(client, auth, network, value):  # type: ignore[no-untyped-def]
    children = add_category(network.series, "Children")
    db.session.commit()
    auth.login("editor@example.org")
    response = client.post(url(network.past()), data={"total": "5", "method": "head_count",
                                                      f"category_{children.id}": value})
    assert response.status_code == 422
    assert f'id="category_{children.id}-errors"' in response.get_data(as_text=True)
    assert records() == []


def test_over_capacity_needs_confirmation_and_is_flagged(client, auth, network):  # type: ignore[no-untyped-def]
    auth.login("editor@example.org")
    response = client.post(url(network.past()), data={"total": "31", "method": "head_count"})
    assert response.status_code == 422
    assert "more than the venue&#39;s capacity of 30" in response.get_data(as_text=True)
    assert records() == []
    response = client.post(url(network.past()), data={"total": "31", "method": "head_count", "confirm_over_capacity": "y"})
    assert response.status_code == 302
    [record] = records()
    assert record.total == 31 and record.is_over_capacity


def test_breakdown_must_add_up_and_be_complete(client, auth, network):  # type: ignore[no-untyped-def]
    children = add_category(network.series, "Children")
    adults = add_category(network.series, "Adults")
    db.session.commit()
    auth.login("editor@example.org")
    occ = network.past()
    bad = client.post(url(occ), data={"total": "10", "method": "head_count",
                                      f"category_{children.id}": "3", f"category_{adults.id}": "5"})
    assert bad.status_code == 422
    assert "The categories add up to 8, but the total is 10." in bad.get_data(as_text=True)
    partial = client.post(url(occ), data={"total": "10", "method": "head_count", f"category_{children.id}": "3"})
    assert partial.status_code == 422
    assert "Fill in every category, or leave them all blank." in partial.get_data(as_text=True)
    assert records() == []
    good = client.post(url(occ), data={"total": "10", "method": "head_count",
                                       f"category_{children.id}": "3", f"category_{adults.id}": "7"})
    assert good.status_code == 302
    assert records()[0].breakdown == {"Children": 3, "Adults": 7}
    # No breakdown at all is fine too.
    assert client.post(url(occ), data={"total": "12", "method": "estimate"}).status_code == 302
    assert records()[0].breakdown == {}


def test_cancelled_and_future_occurrences_are_refused(client, auth, network, clock):  # type: ignore[no-untyped-def]
    past = network.past()
    cancel_occurrence(past, reason="Storm", now=clock.now())
    db.session.commit()
    auth.login("editor@example.org")
    response = client.post(url(past), data={"total": "5", "method": "head_count"})
    assert response.status_code == 422
    assert "This occurrence was cancelled" in response.get_data(as_text=True)
    future = network.occurrences()[6]
    response = client.post(url(future), data={"total": "5", "method": "head_count"})
    assert response.status_code == 422
    assert "has not started yet" in response.get_data(as_text=True)
    assert records() == []


def test_unknown_method_is_a_field_error(client, auth, network):  # type: ignore[no-untyped-def]
    auth.login("editor@example.org")
    response = client.post(url(network.past()), data={"total": "5", "method": "guess"})
    assert response.status_code == 422
    assert records() == []


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):  # type: ignore[no-untyped-def]
        return {"WTF_CSRF_ENABLED": True}

    def test_count_form_needs_the_csrf_token(self, client, network):  # type: ignore[no-untyped-def]
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
        assert token
        csrf = token.group(1) or token.group(2)
        client.post("/login", data={"email": "editor@example.org", "password": "correct horse battery", "csrf_token": csrf})
        occ = network.past()
        without = client.post(url(occ), data={"total": "5", "method": "head_count"})
        assert without.status_code in (400, 422)
        assert records() == []
        page = client.get(url(occ)).get_data(as_text=True)
        csrf = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        with_token = client.post(url(occ), data={"total": "5", "method": "head_count", "csrf_token": csrf})
        assert with_token.status_code == 302, with_token.get_data(as_text=True)[-1500:]
        assert records()[0].total == 5
