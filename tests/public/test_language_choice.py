"""The interface language in every language: direction (right to left in Arabic), the switcher's
names, the order of choice (``?lang=``, cookie, account, browser), hreflang alternates, and the
language a page passes on to feed links and email subscriptions."""
from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.i18n import LANGUAGE_COOKIE, catalogue_languages, language_direction, language_name
from ink.reminders.models import Subscriber

# Catalogues of these land from the translators; without one Flask-Babel falls back to the English
# msgids, which is enough for direction, markup, switching and hreflang.
LANGUAGES = ("en", "nb", "pl", "lt", "es", "uk", "ar")
OWN_NAMES = {"en": "English", "nb": "Norsk bokmål", "pl": "Polski", "lt": "Lietuvių", "es": "Español",
             "uk": "Українська", "ar": "العربية"}


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"LANGUAGES": LANGUAGES}


@pytest.fixture
def event(factory):  # type: ignore[no-untyped-def]
    return factory.series(title="Language café", start_local=datetime(2026, 6, 2, 17, 0))


def html_tag(page: str) -> str:
    match = re.search(r"<html[^>]*>", page)
    assert match, "no <html> tag"
    return match.group(0)


@pytest.mark.parametrize("language", ["ar"])
def test_right_to_left_languages_say_so_on_the_html_element(client, event, language: str) -> None:
    page = client.get(f"/?lang={language}").get_data(as_text=True)
    assert html_tag(page) == f'<html lang="{language}" dir="rtl">'


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "ar"])
def test_every_other_language_is_left_to_right(client, event, language: str) -> None:
    page = client.get(f"/?lang={language}").get_data(as_text=True)
    assert html_tag(page) == f'<html lang="{language}" dir="ltr">'


def test_direction_comes_from_babel_not_a_list() -> None:
    assert [language_direction(code) for code in ("ar", "he", "fa", "ur", "pl", "uk", "en")] == [
        "rtl", "rtl", "rtl", "rtl", "ltr", "ltr", "ltr"]
    assert language_direction("not a language") == "ltr"


@pytest.mark.parametrize("language", sorted(set(catalogue_languages()) | {"ar"}))
def test_the_door_counter_and_embed_carry_the_direction(client, factory, language: str) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Polish Association")
    embed = client.get(f"/embed/{organisation.slug}?lang={language}")
    if embed.status_code == 200:
        assert f'dir="{language_direction(language)}"' in html_tag(embed.get_data(as_text=True))


def test_the_switcher_names_each_language_in_its_own_language(client, event) -> None:
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    options = re.findall(r'<option value="(\w+)"[^>]*lang="(\w+)" dir="(\w+)">([^<]+)</option>', page)
    assert [(value, lang, direction, name) for value, lang, direction, name in options] == [
        (code, code, "rtl" if code == "ar" else "ltr", OWN_NAMES[code]) for code in LANGUAGES]
    assert [language_name(code) for code in LANGUAGES] == [OWN_NAMES[code] for code in LANGUAGES]


@pytest.mark.parametrize("header, expected", [
    ("pl-PL,pl;q=0.9", "pl"),
    ("pl-PL", "pl"),
    ("de-DE,de;q=0.9,uk;q=0.8,en;q=0.5", "uk"),
    ("en;q=0.2,lt;q=0.8", "lt"),
    ("ar-SA", "ar"),
    ("es-419,es;q=0.9", "es"),
    ("nb-NO,nb;q=0.9,en;q=0.5", "nb"),
    ("de-DE,fr;q=0.9", "en"),
    ("", "en"),
])
def test_the_first_visit_follows_the_browser(client, event, header: str, expected: str) -> None:
    page = client.get("/", headers={"Accept-Language": header} if header else {}).get_data(as_text=True)
    assert f'lang="{expected}"' in html_tag(page)


def test_lang_in_the_query_wins_over_the_cookie_and_the_browser(client, event) -> None:
    client.set_cookie(LANGUAGE_COOKIE, "nb")
    page = client.get("/?lang=pl", headers={"Accept-Language": "uk"}).get_data(as_text=True)
    assert 'lang="pl"' in html_tag(page)
    # only for that request: the cookie still decides the next page
    assert 'lang="nb"' in html_tag(client.get("/", headers={"Accept-Language": "uk"}).get_data(as_text=True))


@pytest.mark.parametrize("value", ["xx", "", "ar'><script>", "en" * 40, "AR"])
def test_an_unknown_lang_in_the_query_is_ignored(client, event, value: str) -> None:
    response = client.get("/", query_string={"lang": value}, headers={"Accept-Language": "nb"})
    assert response.status_code == 200
    assert 'lang="nb"' in html_tag(response.get_data(as_text=True))


def test_the_switch_returns_to_the_page_without_its_lang(client, event) -> None:
    page = client.get("/?days=7&lang=pl").get_data(as_text=True)
    assert 'name="next" value="/?days=7"' in page
    response = client.post("/language", data={"lang": "uk", "next": "/?days=7"})
    assert response.headers["Location"] == "/?days=7"
    assert 'lang="uk"' in html_tag(client.get("/?days=7").get_data(as_text=True))


def test_the_choice_is_remembered_in_the_account(client, auth, factory, event) -> None:  # type: ignore[no-untyped-def]
    user = factory.user("editor@example.org")
    auth.login("editor@example.org")
    client.post("/language", data={"lang": "ar", "next": "/"})
    db.session.refresh(user)
    assert user.locale == "ar"
    client.delete_cookie(LANGUAGE_COOKIE)
    assert 'lang="ar" dir="rtl"' in html_tag(client.get("/", headers={"Accept-Language": "pl"}).get_data(as_text=True))


def alternates(page: str) -> dict[str, str]:
    return {code: html.unescape(href)
            for code, href in re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">', page)}


def test_every_page_announces_its_alternates_with_absolute_urls(client, event) -> None:
    page = client.get(f"/events/{event.id}?lang=nb").get_data(as_text=True)
    found = alternates(page)
    assert list(found) == [*LANGUAGES, "x-default"]
    for code in LANGUAGES:
        assert found[code] == f"https://ink.example.org/events/{event.id}?lang={code}"
    assert found["x-default"] == f"https://ink.example.org/events/{event.id}"


def test_each_alternate_serves_its_language(client, event) -> None:
    client.set_cookie(LANGUAGE_COOKIE, "nb")
    found = alternates(client.get("/?days=7&topic=x").get_data(as_text=True))
    assert found["pl"] == "https://ink.example.org/?days=7&topic=x&lang=pl"
    for code in LANGUAGES:
        path = found[code].removeprefix("https://ink.example.org")
        assert f'lang="{code}"' in html_tag(client.get(path).get_data(as_text=True)), code


def test_the_page_cache_never_answers_in_another_language(client, event) -> None:
    first = client.get("/?lang=ar")
    assert first.headers["X-Cache"] == "miss" and 'lang="ar"' in first.get_data(as_text=True)
    second = client.get("/?lang=pl")
    assert 'lang="pl"' in html_tag(second.get_data(as_text=True))
    plain = client.get("/", headers={"Accept-Language": "uk"})
    assert 'lang="uk"' in html_tag(plain.get_data(as_text=True))
    again = client.get("/?lang=ar")
    assert again.headers["X-Cache"] == "hit" and 'lang="ar"' in html_tag(again.get_data(as_text=True))
    for response in (first, second, plain, again):
        assert {"Cookie", "Accept-Language"} <= set(response.vary)


def test_pages_outside_the_cache_vary_on_the_language_too(client, auth, factory, event) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    auth.login("editor@example.org")
    response = client.get("/account")
    assert response.status_code == 200
    assert {"Cookie", "Accept-Language"} <= set(response.vary)


def test_feed_links_on_a_page_carry_its_language(client, event) -> None:
    page = client.get(f"/events/{event.id}?lang=pl").get_data(as_text=True)
    feed_links = re.findall(r'(?:https|webcal)://[^"\s<]+\.ics[^"\s<]*', page)
    assert feed_links and all("lang=pl" in link for link in feed_links)


def test_an_email_subscription_made_from_a_page_keeps_its_language(client, app, event) -> None:
    page = client.get(f"/events/{event.id}?lang=uk").get_data(as_text=True)
    form = re.search(r'<form[^>]*action="([^"]*subscribe[^"]*)"[^>]*>(.*?)</form>', page, re.S)
    assert form, "no subscribe form on the event page"
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form.group(2)))
    assert re.search(r'<option[^>]*selected[^>]*value="uk"|<option[^>]*value="uk"[^>]*selected', form.group(2))
    assert 'lang="ar"' in form.group(2) and 'dir="rtl"' in form.group(2)  # each language by its own name
    fields["locale"] = "uk"
    fields["email"] = "reader@example.org"
    response = client.post(form.group(1).replace("&amp;", "&"), data=fields)
    assert response.status_code in (200, 302, 303)
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == "reader@example.org"))
    assert subscriber is not None and subscriber.locale == "uk"


def test_typed_text_keeps_its_own_direction_and_addresses_read_left_to_right(client, auth, factory) -> None:  # type: ignore[no-untyped-def]
    # In an Arabic form a Latin title must start at the left: text fields carry dir="auto"; email
    # addresses and links are always left to right.
    factory.coordinator()
    factory.organisation("Kafé Verden")
    auth.login("coordinator@example.org")
    page = client.get("/manage/series/new?lang=ar").get_data(as_text=True)
    title = re.search(r'<input[^>]*name="title"[^>]*>', page)
    assert title and 'dir="auto"' in title.group(0)
    description = re.search(r'<textarea[^>]*name="description"[^>]*>', page)
    assert description and 'dir="auto"' in description.group(0)
    registration = re.search(r'<input[^>]*name="registration_url"[^>]*>', page)
    assert registration and 'dir="ltr"' in registration.group(0)


def test_a_time_range_in_the_programme_reads_from_start_to_end_in_arabic(client, event) -> None:  # type: ignore[no-untyped-def]
    # Two <time> elements and a dash inside Arabic text would show "19:00–17:00": the range is an
    # isolated left-to-right run (seen in the Arabic screenshots).
    page = client.get("/?lang=ar").get_data(as_text=True)
    assert re.search(r'<bdi dir="ltr"><time datetime="[^"]+">17:00</time>–<time datetime="[^"]+">19:00</time></bdi>', page)


def test_the_repeat_summary_and_the_ages_read_from_first_to_last_in_arabic(client, factory) -> None:  # type: ignore[no-untyped-def]
    # The event page's summary ("every week on Tuesday, 17:00–19:00") isolates its range as the
    # programme rows do; an age range is written in words ("from 6 to 12"), never two bare numbers.
    series = factory.series(title="Homework help", recurrence=Recurrence(freq="weekly"),
                            start_local=datetime(2026, 6, 2, 17, 0), duration_minutes=120, age_min=6, age_max=12)
    page = client.get(f"/events/{series.id}?lang=ar").get_data(as_text=True)
    summary = re.search(r'<p class="schedule-summary">([^<]*)</p>', page)
    assert summary and summary.group(1).endswith("\u206617:00–19:00\u2069")
    assert "الأعمار من 6 إلى 12" in page
    english = client.get(f"/events/{series.id}").get_data(as_text=True)
    assert '<p class="schedule-summary">Every Tuesday, 17:00–19:00</p>' in english
