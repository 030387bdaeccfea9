"""Places and topics: the venue index and pages, the topic index, and the links that lead to them."""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from ink.events import service as events
from ink.events.models import Occurrence, SeriesStatus
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.organisations.models import OrganisationStatus
from tests.public.test_programme import count_queries

WEEKLY = Recurrence(freq="weekly")


@pytest.fixture
def library(factory):  # type: ignore[no-untyped-def]
    return factory.venue("Sølvberget library", slug="solvberget", address="Sølvberggata 2, 4006 Stavanger",
                         latitude=58.97066, longitude=5.73176, capacity=150,
                         accessibility="Step-free entrance from Torget, lifts to every floor.")


def _upcoming_count(html: str, heading_text: str) -> str:
    """The count line of the directory entry whose heading is ``heading_text``."""
    entry = re.search(rf">{re.escape(heading_text)}</a></h2>(.*?)</li>", html, re.S)
    assert entry is not None, heading_text
    count = re.search(r'class="meta upcoming-count">([^<]*)<', entry.group(1))
    assert count is not None
    return count.group(1)


# --- /venues/ ----------------------------------------------------------------------------------------

def test_venue_index_counts_upcoming_public_events_and_lists_busy_venues_first(client, factory, clock, library):  # type: ignore[no-untyped-def]
    hall = factory.venue("A quiet hall", slug="quiet-hall")
    park = factory.venue("Mosvannsparken", slug="mosvannsparken")
    organisation = factory.organisation("Polish Association")
    factory.series(title="Language café", organisation=organisation, venue=library, recurrence=WEEKLY)
    factory.series(title="Kite workshop", organisation=organisation, venue=library,
                   start_local=datetime(2026, 6, 20, 12, 0))
    factory.series(title="Last year's fair", organisation=organisation, venue=library,
                   start_local=datetime(2025, 6, 1, 12, 0))  # over: not upcoming
    factory.series(title="A draft", organisation=organisation, venue=hall, status=SeriesStatus.DRAFT)
    factory.series(title="Called off", organisation=organisation, venue=hall, status=SeriesStatus.CANCELLED)
    pending = factory.organisation("Not approved yet", status=OrganisationStatus.PENDING)
    archived = factory.organisation("Gone", status=OrganisationStatus.ARCHIVED)
    factory.series(title="Pending picnic", organisation=pending, venue=park)
    factory.series(title="Archived picnic", organisation=archived, venue=park)

    response = client.get("/venues/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _upcoming_count(html, "Sølvberget library") == "2 upcoming events"
    assert _upcoming_count(html, "A quiet hall") == "No upcoming events."
    assert _upcoming_count(html, "Mosvannsparken") == "No upcoming events."
    assert 'href="/venues/solvberget"' in html and "Sølvberggata 2, 4006 Stavanger" in html
    # The busy venue first, then the others by name ("A quiet hall" would come first alphabetically).
    assert html.index("Sølvberget library") < html.index("A quiet hall") < html.index("Mosvannsparken")


def test_a_date_moved_to_another_venue_counts_there(client, factory, clock, library):  # type: ignore[no-untyped-def]
    elsewhere = factory.venue("Tou Scene", slug="tou-scene")
    series = factory.series(title="Open rehearsal", venue=elsewhere, start_local=datetime(2026, 6, 10, 18, 0))
    [occurrence] = series.occurrences
    events.move_occurrence(occurrence, start_at=occurrence.start_at, end_at=occurrence.end_at, venue=library,
                           note="", now=clock.now())
    db.session.commit()

    html = client.get("/venues/").get_data(as_text=True)
    assert _upcoming_count(html, "Sølvberget library") == "1 upcoming event"
    assert _upcoming_count(html, "Tou Scene") == "No upcoming events."
    assert "Open rehearsal" in client.get("/venues/solvberget").get_data(as_text=True)
    assert "Open rehearsal" not in client.get("/venues/tou-scene").get_data(as_text=True)


def test_venue_and_topic_indexes_use_a_fixed_number_of_queries(client, factory):  # type: ignore[no-untyped-def]
    topics = factory.topics()

    def add(n: int) -> None:
        for i in range(n):
            factory.series(venue=factory.venue(), topics=[topics[i % len(topics)]], recurrence=WEEKLY)

    add(2)
    db.session.remove()
    with count_queries() as few_venues:
        assert client.get("/venues/").status_code == 200
    with count_queries() as few_topics:
        assert client.get("/topics/").status_code == 200
    add(8)
    db.session.remove()
    with count_queries() as many_venues:
        assert client.get("/venues/").status_code == 200
    with count_queries() as many_topics:
        assert client.get("/topics/").status_code == 200

    assert len(many_venues) == len(few_venues) <= 2
    assert len(many_topics) == len(few_topics) <= 2


# --- /venues/<slug> ----------------------------------------------------------------------------------

def test_venue_page_shows_the_place_its_public_events_map_links_and_feed(client, factory, library):  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Polish Association")
    factory.series(title="Language café", organisation=organisation, venue=library, recurrence=WEEKLY)
    factory.series(title="Secret planning", organisation=organisation, venue=library, status=SeriesStatus.DRAFT)
    factory.series(title="Pending picnic", venue=library,
                   organisation=factory.organisation("Not approved yet", status=OrganisationStatus.PENDING))
    factory.series(title="Archived picnic", venue=library,
                   organisation=factory.organisation("Gone", status=OrganisationStatus.ARCHIVED))
    factory.series(title="Elsewhere", organisation=organisation, venue=factory.venue("Tou Scene"))

    response = client.get("/venues/solvberget")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Sølvberget library</h1>" in html
    assert "Sølvberggata 2, 4006 Stavanger" in html
    assert "Step-free entrance from Torget, lifts to every floor." in html
    assert "150 people" in html
    assert html.count("Language café") >= 2  # several upcoming dates
    for hidden in ("Secret planning", "Pending picnic", "Archived picnic", "Elsewhere"):
        assert hidden not in html
    assert 'href="https://www.openstreetmap.org/?mlat=58.97066&amp;mlon=5.73176#map=17/58.97066/5.73176"' in html
    assert 'href="geo:58.97066,5.73176"' in html
    assert 'href="https://ink.example.org/venues/solvberget/calendar.ics"' in html
    assert 'href="webcal://ink.example.org/venues/solvberget/calendar.ics"' in html
    assert 'href="/subscribe?venue=solvberget"' in html
    assert "<iframe" not in html and "<script" not in html  # no embedded map, nothing loaded from elsewhere
    body = html.split("</head>", 1)[1]  # the head's hreflang alternates name this page in each language
    assert re.findall(r'(?:src|href)="(https?://[^"]+)"', body) == [
        "https://www.openstreetmap.org/?mlat=58.97066&amp;mlon=5.73176#map=17/58.97066/5.73176",
        "https://ink.example.org/venues/solvberget/calendar.ics",
    ]
    # The feed it links to exists and carries the venue's events.
    with client.get("/venues/solvberget/calendar.ics") as feed:
        assert feed.status_code == 200 and b"Language caf" in feed.data


def test_venue_without_coordinates_links_an_address_search_and_no_geo_uri(client, factory):  # type: ignore[no-untyped-def]
    factory.venue("Storhaug community house", slug="storhaug", address="Lervigsveien 32, 4014 Stavanger")

    html = client.get("/venues/storhaug").get_data(as_text=True)

    assert 'href="https://www.openstreetmap.org/search?query=Lervigsveien%2032%2C%204014%20Stavanger"' in html
    assert "geo:" not in html and "Capacity" not in html and "Accessibility" not in html
    assert "No upcoming events." in html


def test_venue_with_neither_address_nor_coordinates_has_no_map_link(client, factory):  # type: ignore[no-untyped-def]
    factory.venue("Somewhere", slug="somewhere")
    html = client.get("/venues/somewhere").get_data(as_text=True)
    assert "openstreetmap" not in html and "geo:" not in html


def test_a_venue_used_only_by_hidden_organisations_shows_none_of_their_events(client, factory):  # type: ignore[no-untyped-def]
    hall = factory.venue("Back room", slug="back-room")
    factory.series(title="Pending picnic", venue=hall,
                   organisation=factory.organisation("Not approved yet", status=OrganisationStatus.PENDING))
    factory.series(title="Archived picnic", venue=hall,
                   organisation=factory.organisation("Gone", status=OrganisationStatus.ARCHIVED))

    html = client.get("/venues/back-room").get_data(as_text=True)

    assert "Pending picnic" not in html and "Archived picnic" not in html
    assert "No upcoming events." in html


@pytest.mark.parametrize("slug", ["no-such-venue", "Not_A_Slug", "x" * 200])
def test_unknown_venue_is_404(client, slug: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/venues/{slug}")
    assert response.status_code == 404
    assert "No such venue." in response.get_data(as_text=True)


# --- /topics/ ----------------------------------------------------------------------------------------

def test_topic_index_counts_upcoming_public_events_per_topic(client, factory):  # type: ignore[no-untyped-def]
    topics = {topic.name: topic for topic in factory.topics()}
    multilingual, children = topics["Multilingualism"], topics["Education"]
    organisation = factory.organisation("Polish Association")
    factory.series(title="Language café", organisation=organisation, topics=[multilingual], recurrence=WEEKLY)
    factory.series(title="Bilingual story time", organisation=organisation, topics=[multilingual, children])
    factory.series(title="Over", organisation=organisation, topics=[children], start_local=datetime(2025, 1, 1, 12, 0))
    factory.series(title="A draft", organisation=organisation, topics=[children], status=SeriesStatus.DRAFT)
    factory.series(title="Pending", topics=[children],
                   organisation=factory.organisation("Not approved yet", status=OrganisationStatus.PENDING))

    response = client.get("/topics/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _upcoming_count(html, "Multilingualism") == "2 upcoming events"
    assert _upcoming_count(html, "Education") == "1 upcoming event"
    assert _upcoming_count(html, "Refugees") == "No upcoming events."
    assert f'href="/topics/{multilingual.slug}"' in html
    assert html.count('class="meta upcoming-count"') == len(topics)  # every topic of the network


def test_a_cancelled_date_is_not_an_upcoming_event(client, factory, clock, library):  # type: ignore[no-untyped-def]
    topics = {topic.name: topic for topic in factory.topics()}
    series = factory.series(title="Kite festival", venue=library, topics=[topics["Neighbourhood"]],
                            start_local=datetime(2026, 6, 20, 12, 0))
    [occurrence] = series.occurrences
    events.cancel_occurrence(occurrence, reason="Storm", now=clock.now())
    db.session.commit()

    assert _upcoming_count(client.get("/venues/").get_data(as_text=True), "Sølvberget library") == "No upcoming events."
    assert _upcoming_count(client.get("/topics/").get_data(as_text=True), "Neighbourhood") == "No upcoming events."
    # The venue page still tells residents it was cancelled.
    page = client.get("/venues/solvberget").get_data(as_text=True)
    assert "Kite festival" in page and "Storm" in page


def test_an_event_under_way_still_counts(client, factory, clock, library):  # type: ignore[no-untyped-def]
    factory.series(title="Morning market", venue=library, start_local=datetime(2026, 6, 2, 11, 0))  # 09:00–11:00 UTC
    assert clock.now() < db.session.query(Occurrence).one().end_at
    assert _upcoming_count(client.get("/venues/").get_data(as_text=True), "Sølvberget library") == "1 upcoming event"
    clock.advance(hours=2)
    assert _upcoming_count(client.get("/venues/").get_data(as_text=True), "Sølvberget library") == "No upcoming events."


# --- links ---------------------------------------------------------------------------------------------

def test_programme_rows_link_their_topics_and_venue(client, factory, library):  # type: ignore[no-untyped-def]
    topics = {topic.name: topic for topic in factory.topics()}
    factory.series(title="Language café", venue=library,
                   topics=[topics["Multilingualism"], topics["Refugees"]], start_local=datetime(2026, 6, 3, 17, 0))

    html = client.get("/").get_data(as_text=True)

    row = html[html.index("Language café"):]
    row = row[:row.index("</article>")]
    assert '<a href="/venues/solvberget">Sølvberget library</a>' in row
    assert f'<a href="/topics/{topics["Multilingualism"].slug}">Multilingualism</a>' in row
    assert f'<a href="/topics/{topics["Refugees"].slug}">Refugees</a>' in row


def test_main_navigation_links_venues_and_topics(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/").get_data(as_text=True)
    nav = html[html.index('<nav aria-label="Main">'):html.index("</nav>")]
    assert '<a href="/venues/">Venues</a>' in nav and '<a href="/topics/">Topics</a>' in nav
    assert '<a href="/venues/" aria-current="page">Venues</a>' in client.get("/venues/").get_data(as_text=True)
    assert '<a href="/topics/" aria-current="page">Topics</a>' in client.get("/topics/").get_data(as_text=True)


# --- Bokmål ----------------------------------------------------------------------------------------------

def test_places_pages_in_bokmal(client, factory, library):  # type: ignore[no-untyped-def]
    topics = {topic.name: topic for topic in factory.topics()}
    factory.series(title="Language café", venue=library, topics=[topics["Multilingualism"]], recurrence=WEEKLY)
    nb = {"Accept-Language": "nb"}

    venues = client.get("/venues/", headers=nb).get_data(as_text=True)
    venue = client.get("/venues/solvberget", headers=nb).get_data(as_text=True)
    topic_index = client.get("/topics/", headers=nb).get_data(as_text=True)

    assert '<html lang="nb" dir="ltr">' in venues
    assert _upcoming_count(venues, "Sølvberget library") == "1 kommende arrangement"
    assert "150 personer" in venue and "Vis på OpenStreetMap" in venue
    assert 'href="https://ink.example.org/venues/solvberget/calendar.ics?lang=nb"' in venue  # the feed in Bokmål
    assert _upcoming_count(topic_index, "Flerspråklighet") == "1 kommende arrangement"
    assert "Ingen kommende arrangementer." in topic_index
