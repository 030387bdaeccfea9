"""Public pages show the reader's version of an event's, organisation's and venue's texts (issue 12), else
the original with a note of its language and links to the versions; every such text carries its real
language (``lang``, ``dir="auto"``); the page cache never serves one language's texts to another and
forgets a page when a version changes."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from babel.support import Translations

from ink.events.models import SeriesTextVersion, VenueTextVersion
from ink.extensions import db
from ink.i18n import TRANSLATIONS
from ink.organisations import text_versions
from ink.organisations.models import OrganisationTextVersion

NOW = datetime(2026, 6, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"LANGUAGES": ("en", "nb", "pl", "ar")}


@pytest.fixture
def cafe(factory):  # type: ignore[no-untyped-def]
    org = factory.organisation("Kafé Verden", description="Vi driver et språkkafé.", original_language="nb")
    venue = factory.venue("Biblioteket", slug="biblioteket", accessibility="Trinnfri inngang fra gata.",
                          original_language="nb")
    series = factory.series(organisation=org, title="Språkkafé", venue=venue, original_language="nb",
                            description_html="<p>Øv på norsk over en kopp kaffe.</p>", audience_note="Alle er velkomne")
    text_versions.add_text_version(series, SeriesTextVersion, "pl", {
        "title": "Kawiarnia językowa", "description_html": "<p>Ćwicz norweski przy kawie.</p>",
        "audience_note": "Wszyscy są mile widziani"}, now=NOW)
    text_versions.add_text_version(org, OrganisationTextVersion, "pl", {"description": "Prowadzimy kawiarnię."},
                                   now=NOW)
    text_versions.add_text_version(venue, VenueTextVersion, "pl", {"accessibility": "Wejście bez schodów."}, now=NOW)
    db.session.commit()
    return series


def _page(client, path: str, language: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_event_page_in_polish_shows_the_polish_version_marked_pl(client, cafe) -> None:
    page = _page(client, f"/events/{cafe.id}", "pl")
    assert re.search(r'<h1 lang="pl" dir="auto">Kawiarnia językowa</h1>', page)
    assert re.search(r'<div class="description" lang="pl" dir="auto"><p>Ćwicz norweski przy kawie.</p></div>', page)
    assert '<p class="audience-note" lang="pl" dir="auto">Wszyscy są mile widziani</p>' in page
    assert '<span lang="pl" dir="auto">Wejście bez schodów.</span>' in page
    assert "<title>Kawiarnia językowa" in page
    assert "Språkkafé" not in page.split("<body", 1)[1].split("Translated from", 1)[0]
    assert 'href="/events/%d?text=nb" lang="nb" hreflang="nb">Norsk bokmål</a>' % cafe.id in page


def test_without_a_version_the_original_shows_with_its_language_and_the_versions(client, cafe) -> None:
    page = _page(client, f"/events/{cafe.id}", "ar")
    assert '<h1 lang="nb" dir="auto">Språkkafé</h1>' in page
    arabic = Translations.load(str(TRANSLATIONS), ["ar"])
    assert arabic.gettext("Written in %(language)s.") % {"language": "Norsk bokmål"} in page  # the note, in Arabic
    assert f'href="/events/{cafe.id}?text=pl" lang="pl" hreflang="pl">Polski</a>' in page
    # The original's own readers get no note.
    assert "Written in" not in _page(client, f"/events/{cafe.id}", "nb")


def test_text_chooses_a_version_whatever_the_interface_language(client, cafe) -> None:
    page = _page(client, f"/events/{cafe.id}?text=pl", "en")
    assert '<h1 lang="pl" dir="auto">Kawiarnia językowa</h1>' in page
    page = _page(client, f"/events/{cafe.id}?text=xx", "en")  # not a language of the network: ignored
    assert '<h1 lang="nb" dir="auto">Språkkafé</h1>' in page


def test_the_programme_lists_titles_in_the_readers_language(client, cafe) -> None:
    for path in ("/", "/?view=week&start=2026-06-01", "/?view=month&start=2026-06-01"):
        polish = _page(client, path, "pl")
        assert re.search(r'lang="pl" dir="auto">Kawiarnia językowa</a>', polish), path
        english = _page(client, path, "en")
        assert re.search(r'lang="nb" dir="auto">Språkkafé</a>', english), path
        assert "Kawiarnia" not in english, path


def test_organisation_and_venue_pages(client, cafe) -> None:
    page = _page(client, "/organisations/" + cafe.organisation.slug, "pl")
    assert '<div class="description" lang="pl" dir="auto"><p>Prowadzimy kawiarnię.</p></div>' in page
    page = _page(client, "/organisations/" + cafe.organisation.slug, "en")
    assert '<div class="description" lang="nb" dir="auto"><p>Vi driver et språkkafé.</p></div>' in page
    assert "Written in Norsk bokmål." in page
    page = _page(client, "/venues/biblioteket", "pl")
    assert '<span lang="pl" dir="auto">Wejście bez schodów.</span>' in page
    page = _page(client, "/venues/biblioteket", "en")
    assert '<span lang="nb" dir="auto">Trinnfri inngang fra gata.</span>' in page


def test_the_page_cache_keeps_languages_apart_and_forgets_a_changed_version(client, cafe) -> None:
    path = f"/events/{cafe.id}"
    assert "Kawiarnia językowa" in _page(client, path, "pl")
    cached = client.get(path, headers={"Accept-Language": "pl"})
    assert cached.headers["X-Cache"] == "hit"
    english = client.get(path, headers={"Accept-Language": "en"})
    assert "Kawiarnia" not in english.get_data(as_text=True)
    version = cafe.text_versions[0]
    text_versions.update_text_version(cafe, version, {**version.texts, "title": "Kawiarnia języków"}, now=NOW)
    db.session.commit()
    fresh = client.get(path, headers={"Accept-Language": "pl"})
    assert fresh.headers["X-Cache"] == "miss" and "Kawiarnia języków" in fresh.get_data(as_text=True)
