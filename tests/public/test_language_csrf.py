"""The language switch with CSRF protection on, as in production."""
from __future__ import annotations

import re

import pytest


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}


def test_switch_needs_the_token_and_works_with_it(client):
    assert client.post("/language", data={"lang": "nb", "next": "/"}).status_code == 400

    page = client.get("/").get_data(as_text=True)
    token = re.search(r'action="/language".*?name="csrf_token" value="([^"]+)"', page, re.S)
    assert token is not None
    response = client.post("/language", data={"lang": "nb", "next": "/", "csrf_token": token.group(1)})

    assert response.status_code == 302
    assert '<html lang="nb" dir="ltr">' in client.get("/").get_data(as_text=True)
