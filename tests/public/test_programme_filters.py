"""The programme's filter: the parameters of /calendar.ics, /feed.atom and /api/v1/occurrences, with
the same meaning (alternatives within a parameter, AND across them), shown as a GET form, removable
chips and suggestions when nothing matches; its feed links give the very events the page lists."""
from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

import pytest

from ink.events.models import Audience, EventSeries
from ink.extensions import db
from ink.feeds.views import webcal
from ink.i18n import LANGUAGE_COOKIE
from ink.organisations.models import OrganisationStatus
from tests.test_pages_in_every_language import english_in, english_needles

A = Audience


@dataclass
class Programme:
    topics: list  # type: ignore[type-arg]
    series: dict[str, EventSeries]


@pytest.fixture
def programme(factory) -> Programme:  # type: ignore[no-untyped-def]
    """Four events in the coming days (the clock: Tuesday 2 June 2026), each differing in every filter."""
    topics = factory.topics()
    polish = factory.organisation("Polish Association", slug="polish-association")
    cafe = factory.organisation("Kafé Verden", slug="kafe-verden")
    hidden = factory.organisation("Waiting Club", slug="waiting-club", status=OrganisationStatus.PENDING)
    library = factory.venue("Library hall", slug="library-hall")
    union = factory.venue("Union Scene", slug="union-scene")
    made = {
        "kite": factory.series(title="Kite workshop", organisation=polish, venue=library, topics=[topics[0]],
                               languages=["pl"], audiences=[A.CHILDREN], age_min=3, age_max=11, is_drop_in=True,
                               start_local=datetime(2026, 6, 3, 17, 0)),
        "football": factory.series(title="Teen football", organisation=cafe, venue=union, topics=[topics[1]],
                                   languages=["nb"], audiences=[A.YOUTH], age_min=12, age_max=19,
                                   start_local=datetime(2026, 6, 4, 18, 0)),
        "cafe": factory.series(title="Open café", organisation=cafe, venue=union, topics=[topics[0]],
                               languages=["en", "pl"], audiences=[A.EVERYONE], is_drop_in=True,
                               start_local=datetime(2026, 6, 5, 16, 0)),  # no age range: all ages
        "choir": factory.series(title="Seniors choir", organisation=polish, venue=library, topics=[topics[2]],
                                languages=["nb"], audiences=[A.SENIORS], age_min=65,
                                start_local=datetime(2026, 6, 6, 11, 0)),
    }
    # Never public: its organisation awaits approval, whatever the filter.
    factory.series(title="Hidden kite day", organisation=hidden, topics=[topics[0]], languages=["pl"],
                   start_local=datetime(2026, 6, 3, 12, 0))
    return Programme(topics, made)


def titles(page: str) -> set[str]:
    return set(re.findall(r'<h3 class="occurrence-title"><a href="/events/\d+"[^>]*>([^<]+)</a>', page))


def series_ids(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'<h3 class="occurrence-title"><a href="/events/(\d+)"', page)}


def get(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def links(page: str) -> dict[str, str]:
    """Link texts to their (unescaped) href."""
    found = re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', page, re.S)
    return {" ".join(re.sub(r"<[^>]+>", " ", text).split()): html_lib.unescape(href) for href, text in found}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize(("query", "expected"), [
    ("", {"Kite workshop", "Teen football", "Open café", "Seniors choir"}),
    ("topic={t0}", {"Kite workshop", "Open café"}),
    ("organisation=polish-association", {"Kite workshop", "Seniors choir"}),
    ("venue=union-scene", {"Teen football", "Open café"}),
    ("language=pl", {"Kite workshop", "Open café"}),
    ("language=PL", {"Kite workshop", "Open café"}),
    ("audience=seniors", {"Seniors choir"}),
    ("dropin=1", {"Kite workshop", "Open café"}),
    ("age=7", {"Kite workshop", "Open café"}),
])
def test_each_parameter_narrows_the_programme(client, programme, query, expected):  # type: ignore[no-untyped-def]
    url = "/?" + query.format(t0=programme.topics[0].slug)
    assert titles(get(client, url)) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("topic={t1}&topic={t2}", {"Teen football", "Seniors choir"}),
    ("language=en&language=nb", {"Teen football", "Open café", "Seniors choir"}),
    ("audience=children&audience=youth", {"Kite workshop", "Teen football"}),
    ("venue=union-scene&venue=library-hall", {"Kite workshop", "Teen football", "Open café", "Seniors choir"}),
])
def test_values_of_one_parameter_are_alternatives(client, programme, query, expected):  # type: ignore[no-untyped-def]
    url = "/?" + query.format(t1=programme.topics[1].slug, t2=programme.topics[2].slug)
    assert titles(get(client, url)) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("topic={t0}&dropin=1&language=en", {"Open café"}),
    ("organisation=polish-association&language=nb", {"Seniors choir"}),
    ("venue=library-hall&age=70", {"Seniors choir"}),
    ("organisation=kafe-verden&topic={t0}&topic={t1}&age=15", {"Teen football", "Open café"}),
])
def test_parameters_combine(client, programme, query, expected):  # type: ignore[no-untyped-def]
    url = "/?" + query.format(t0=programme.topics[0].slug, t1=programme.topics[1].slug)
    assert titles(get(client, url)) == expected


@pytest.mark.parametrize(("ages", "expected"), [
    ("age=3", {"Kite workshop", "Open café"}),  # the lowest age is in the range
    ("age=11", {"Kite workshop", "Open café"}),  # and so is the highest
    ("age=12", {"Teen football", "Open café"}),
    ("age=0", {"Open café"}),  # only the event for all ages
    ("age=64", {"Open café"}),
    ("age=65", {"Seniors choir", "Open café"}),  # no highest age: open upwards
    ("age=120", {"Seniors choir", "Open café"}),
    ("age=7&age=15", {"Kite workshop", "Teen football", "Open café"}),
])
def test_age_takes_events_whose_range_includes_it_and_events_for_all_ages(client, programme, ages, expected):  # type: ignore[no-untyped-def]
    assert titles(get(client, "/?" + ages)) == expected


@pytest.mark.parametrize(("query", "message"), [
    ("topic=no-such-topic", "Unknown topic: no-such-topic."),
    ("organisation=waiting-club", "Unknown organisation: waiting-club."),  # not public: as if it did not exist
    ("venue=Bad%20Slug", "Unknown venue: bad slug."),
    ("audience=aliens", "Unknown audience: aliens."),
    ("language=%3F%3F", "Unknown language code “??” for language."),
    ("age=seven", "Parameter age must be a whole number from 0 to 120."),
    ("age=121", "Parameter age must be a whole number from 0 to 120."),
    ("age=-1", "Parameter age must be a whole number from 0 to 120."),
    ("dropin=yes", "Parameter dropin must be 1 (or left out)."),
])
def test_unknown_values_get_the_feeds_400_as_an_html_page(client, programme, query, message):  # type: ignore[no-untyped-def]
    page = client.get("/?" + query)
    api = client.get("/api/v1/occurrences?start=2026-06-02&end=2026-06-15&" + query)
    feed = client.get("/calendar.ics?" + query)

    assert (page.status_code, api.status_code, feed.status_code) == (400, 400, 400)
    assert page.mimetype == "text/html"
    assert message in html_lib.unescape(page.get_data(as_text=True))
    assert api.get_json()["error"] == message


def test_the_form_is_a_labelled_get_form_showing_what_is_chosen(client, programme):  # type: ignore[no-untyped-def]
    t0 = programme.topics[0].slug
    page = get(client, f"/?topic={t0}&age=7&dropin=1")
    form = re.search(r'<form method="get" action="/" class="filter-form">(.*?)</form>', page, re.S)
    assert form is not None
    body = form.group(1)
    assert f'name="topic" value="{t0}" checked' in body
    assert 'name="venue" value="union-scene">' in body  # offered, not chosen
    assert 'name="organisation" value="waiting-club"' not in body  # not public: not offered
    assert 'name="language" value="pl"' in body and 'name="audience" value="seniors"' in body
    assert re.search(r'<label for="filter-age">[^<]+</label>\s*<input id="filter-age" type="number" name="age"', body)
    assert 'value="7"' in body
    assert 'name="dropin" value="1" checked' in body
    assert '<button type="submit">' in body
    assert body.count("<legend>") >= 5


def test_active_filters_are_chips_each_linking_to_the_programme_without_it(client, programme):  # type: ignore[no-untyped-def]
    t0 = programme.topics[0]
    page = get(client, f"/?topic={t0.slug}&language=pl&age=7&start=2026-06-03&days=7")
    chips = links(page)

    without_topic = chips[f"Topic: {t0.name} × (remove this filter)"]
    without_polish = chips["Language: Polish × (remove this filter)"]
    without_age = chips["Age: 7 years × (remove this filter)"]
    clear = chips["Clear all filters"]
    assert dict(parse_qsl(urlsplit(without_topic).query)) == {
        "language": "pl", "age": "7", "start": "2026-06-03", "days": "7"}
    assert dict(parse_qsl(urlsplit(without_polish).query)) == {
        "topic": t0.slug, "age": "7", "start": "2026-06-03", "days": "7"}
    assert clear == "/?start=2026-06-03&days=7"  # the period stays; every filter goes

    assert titles(get(client, without_age)) == {"Kite workshop", "Open café"}
    after = links(get(client, without_topic))
    assert "Language: Polish × (remove this filter)" in after
    assert not any(text.startswith("Topic:") for text in after)
    assert "Clear all filters" not in links(get(client, clear))


def test_an_empty_result_says_so_and_offers_to_drop_each_filter(client, programme):  # type: ignore[no-untyped-def]
    t1 = programme.topics[1]
    page = get(client, f"/?topic={t1.slug}&audience=seniors")

    assert titles(page) == set()
    assert "No events in this period match these filters." in page
    suggestions = links(page)
    assert titles(get(client, suggestions[f"Without {t1.name}"])) == {"Seniors choir"}
    assert titles(get(client, suggestions["Without Seniors"])) == {"Teen football"}
    assert len(titles(get(client, suggestions["Without any filter"]))) == 4
    assert "Look at the next 14 days" in suggestions


def test_an_empty_unfiltered_period_keeps_its_own_message(client, programme):  # type: ignore[no-untyped-def]
    page = get(client, "/?start=2027-01-01")
    assert "Nothing is planned in this period yet." in page
    assert "match these filters" not in page and "Clear all filters" not in page


def test_paging_links_keep_the_filter(client, programme):  # type: ignore[no-untyped-def]
    page = get(client, "/?audience=seniors&dropin=1&start=2026-06-10&days=7")
    found = links(page)

    for text, start in (("Next 7 days", "2026-06-17"), ("Previous 7 days", "2026-06-03")):
        assert dict(parse_qsl(urlsplit(found[text]).query)) == {
            "audience": "seniors", "dropin": "1", "start": start, "days": "7"}
    assert found["From today"] == "/?audience=seniors&dropin=1"


def test_the_feed_links_and_the_head_link_carry_the_filter(app, client, programme):  # type: ignore[no-untyped-def]
    base = app.config["BASE_URL"]
    t0 = programme.topics[0].slug
    page = get(client, f"/?language=pl&topic={t0}&age=7&dropin=1")
    found = links(page)
    query = f"topic={t0}&language=pl&age=7&dropin=1"

    assert found["Subscribe to this view"] == webcal(f"{base}/calendar.ics?{query}")
    assert found["This view as Atom"] == f"{base}/feed.atom?{query}"
    assert found["Change what to subscribe to"] == f"/subscribe?{query}"
    head = page.split("</head>")[0]
    assert f'<link rel="alternate" type="application/atom+xml" title="Atom feed" href="/feed.atom?{query.replace("&", "&amp;")}">' in head
    # The subscribe page keeps every value, age included, in its form and its link.
    subscribe = get(client, found["Change what to subscribe to"])
    assert f'{base}/calendar.ics?{query.replace("&", "&amp;")}' in subscribe
    assert 'name="age" min="0" max="120"' in subscribe and 'value="7"' in subscribe


def test_the_unfiltered_programme_offers_the_whole_programme(app, client, programme):  # type: ignore[no-untyped-def]
    base = app.config["BASE_URL"]
    page = get(client, "/")
    found = links(page)
    assert found["Subscribe to the whole programme"] == webcal(f"{base}/calendar.ics")
    assert found["Atom feed"] == f"{base}/feed.atom"
    assert '<link rel="alternate" type="application/atom+xml" title="Atom feed" href="/feed.atom">' in page


def _ics_series_ids(client, url: str) -> set[int]:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    uids = set(re.findall(r"^UID:(.+?)\r?$", response.get_data(as_text=True), re.M))
    return {series.id for series in db.session.scalars(db.select(EventSeries)) if series.uid in uids}


def _atom_series_ids(client, url: str) -> set[int]:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    entries = re.findall(r"<entry>(.*?)</entry>", response.get_data(as_text=True), re.S)
    return {int(match) for entry in entries for match in re.findall(r'href="[^"]*/events/(\d+)"', entry)}


@pytest.mark.parametrize("query", [
    "",
    "topic={t0}",
    "topic={t0}&topic={t1}&language=nb",
    "organisation=polish-association&dropin=1",
    "venue=union-scene",
    "age=7",
    "age=70&age=15",
    "audience=everyone&audience=seniors&venue=library-hall&venue=union-scene",
])
def test_the_feeds_and_the_api_give_the_events_the_programme_lists(client, programme, query):  # type: ignore[no-untyped-def]
    query = query.format(t0=programme.topics[0].slug, t1=programme.topics[1].slug)
    page = get(client, "/?" + query)
    listed = series_ids(page)
    found = links(page)
    feed_link = found.get("Subscribe to this view", found.get("Subscribe to the whole programme"))
    atom_link = found.get("This view as Atom", found.get("Atom feed"))
    api = client.get(f"/api/v1/occurrences?start=2026-06-02&end=2026-06-15&{query}")

    assert listed  # every filter here matches something
    assert {row["series_id"] for row in api.get_json()} == listed
    assert _ics_series_ids(client, path_of(feed_link)) == listed
    assert _atom_series_ids(client, path_of(atom_link)) == listed


def test_filtered_programme_is_in_bokmal(client, programme):  # type: ignore[no-untyped-def]
    client.set_cookie(LANGUAGE_COOKIE, "nb")
    t0, t1 = programme.topics[0].slug, programme.topics[1].slug
    needles = english_needles()
    full = get(client, f"/?topic={t0}&language=pl&age=7&dropin=1&audience=children")
    empty = get(client, f"/?topic={t1}&audience=seniors")
    error = client.get("/?age=seven").get_data(as_text=True)

    assert "Kite workshop" in full and "Fjern alle filtre" in full
    assert english_in(full, needles) == []
    assert english_in(empty, needles) == []
    assert english_in(error, needles) == []
    assert 'lang="nb"' in full


def test_the_language_choices_are_alphabetical_by_their_names_in_the_readers_language(client, factory):  # type: ignore[no-untyped-def]
    # By code they would read "ar, de, en, nb, pl" in every language. By name, accents aside:
    for code in ("pl", "en", "nb", "ar", "de"):
        factory.series(title=f"Event in {code}", languages=[code], start_local=datetime(2026, 6, 3, 18, 0))

    def offered(lang: str) -> list[str]:
        page = client.get(f"/?lang={lang}").get_data(as_text=True)
        return re.findall(r'name="language" value="([a-z-]+)"', page)

    assert offered("en") == ["ar", "en", "de", "nb", "pl"]  # Arabic, English, German, Norwegian…, Polish
    assert offered("es") == ["de", "ar", "en", "nb", "pl"]  # alemán, árabe (not last), inglés, noruego…, polaco
    assert offered("pl") == ["en", "ar", "de", "nb", "pl"]  # angielski, arabski, niemiecki, norweski…, polski
