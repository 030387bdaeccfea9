"""Regression tests for the 5xx the route sweep (tests/test_route_sweep.py) found in form handling."""
from __future__ import annotations

import pytest

from ink.attendance.service import series_categories

from tests.attendance.conftest import Network, network  # noqa: F401  (the fixture)

CONTROL_CHARACTERS = "Remove the invisible control characters."


@pytest.mark.parametrize("body", [[1, 2, 3], {"email": 5, "password": ["x"]}, "just a string"])
def test_a_json_body_posted_to_a_form_is_not_a_500(client, body) -> None:  # type: ignore[no-untyped-def]
    # Flask-WTF read a JSON body as form data: a list broke the form, a number broke the fields.
    response = client.post("/login", json=body)
    assert response.status_code == 422
    assert b"This field is required." in response.data


def test_a_json_number_in_a_subscription_form_is_a_field_error(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/subscriptions/", json={"email": 5})
    assert 400 <= response.status_code < 500


def test_nul_in_the_login_email_is_a_field_error(client, factory) -> None:  # type: ignore[no-untyped-def]
    factory.user("someone@example.org")
    response = client.post("/login", data={"email": "some\x00one@example.org", "password": "x"})
    assert response.status_code == 422
    assert CONTROL_CHARACTERS.encode() in response.data


def test_nul_in_an_attendance_note_is_a_field_error(client, auth, network: Network) -> None:  # noqa: F811
    auth.login("editor@example.org")
    response = client.post(f"/manage/attendance/occurrences/{network.past().id}",
                           data={"total": "12", "method": "head_count", "note": "a\x00b"})
    assert response.status_code == 422
    assert CONTROL_CHARACTERS.encode() in response.data


@pytest.mark.parametrize("action", ["add", "rename"])
def test_nul_in_a_category_name_is_a_field_error(client, auth, network: Network, action: str) -> None:  # noqa: F811
    auth.login("editor@example.org")
    base = f"/manage/attendance/series/{network.series.id}/categories"
    if action == "rename":
        assert client.post(base, data={"name": "Children"}).status_code == 302
        base += f"/{series_categories(network.series.id)[0].id}/rename"
    response = client.post(base, data={"name": "a\x00b"})
    assert response.status_code == 422
    assert CONTROL_CHARACTERS.encode() in response.data
