"""Choosing the interface language: browser first, then the switch on every page, remembered."""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from ink.i18n import LANGUAGE_COOKIE


@pytest.fixture
def event(factory):  # type: ignore[no-untyped-def]
    return factory.series(title="Language café", start_local=datetime(2026, 6, 2, 17, 0))


def test_browser_language_chooses_the_date_format(client, event):
    norwegian = client.get("/", headers={"Accept-Language": "nb-NO,nb;q=0.9,en;q=0.5"}).get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)

    assert '<html lang="nb" dir="ltr">' in norwegian and "tirsdag 2. juni" in norwegian
    assert '<html lang="en" dir="ltr">' in english and "Tuesday 2 June" in english


def test_switch_is_remembered_across_pages(client, event):
    response = client.post("/language", data={"lang": "nb", "next": "/organisations/"},
                           headers={"Accept-Language": "en"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/organisations/"
    assert LANGUAGE_COOKIE in response.headers["Set-Cookie"]
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "tirsdag" in html
    client.post("/language", data={"lang": "en", "next": "/"})
    assert "Tuesday" in client.get("/", headers={"Accept-Language": "nb"}).get_data(as_text=True)


def test_switch_is_on_every_public_page(client, event):
    for url in ("/", f"/events/{event.id}", "/organisations/", f"/organisations/{event.organisation.slug}",
                "/events/999999", "/?days=0"):
        html = client.get(url).get_data(as_text=True)
        assert re.search(r'<form method="post" action="/language"', html), url
        assert 'name="next"' in html


def test_switch_keeps_the_query_string(client, event):
    html = client.get("/?start=2026-06-10&days=7").get_data(as_text=True)

    assert 'name="next" value="/?start=2026-06-10&amp;days=7"' in html


@pytest.mark.parametrize("next_url", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_switch_never_redirects_off_site(client, next_url):
    response = client.post("/language", data={"lang": "nb", "next": next_url})

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("lang", ["", "xx", "nb'><script>", "en" * 50])
def test_unknown_language_is_rejected(client, lang):
    response = client.post("/language", data={"lang": lang})

    assert response.status_code == 400
    assert LANGUAGE_COOKIE not in response.headers.get("Set-Cookie", "")
