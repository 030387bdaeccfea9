"""Free-text search ``?q=``: the programme, the feeds, the API, the widget and the print sheet answer
it alike (ink.events.filters), accents and case ignored, each word a prefix, all words required, best
match first; the index follows edits and renames at once; hostile input is a 200 or a 400, never a 500."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import urlencode

import pytest
from icalendar import Calendar

from ink.events.models import EventSeries, SeriesStatus
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.organisations.models import OrganisationStatus
from tests.factories import Factory

ATOM = "{http://www.w3.org/2005/Atom}"


def titles(page: str) -> list[str]:
    """The event titles of a programme page, in page order."""
    return re.findall(r'<h3 class="occurrence-title"><a href="/events/\d+"[^>]*>([^<]+)</a>', page)


def search(client, query: str, extra: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get("/", query_string=[("q", query)] + ([tuple(extra.split("="))] if extra else []))
    assert response.status_code == 200
    return titles(response.get_data(as_text=True))


@pytest.fixture
def network(factory: Factory) -> dict[str, EventSeries]:
    """A few events in June 2026 (the clock: Tuesday 2 June 2026) and a summer festival in July."""
    library = factory.venue("Sølvberget bibliotek", slug="solvberget")
    harbour = factory.venue("Harbour hall", slug="harbour")
    polish = factory.organisation("Polish Association", slug="polish-association")
    friends = factory.organisation("Friends of the Wind", slug="friends-of-the-wind")
    return {
        "cafe": factory.series(title="Språkkafé", organisation=polish, venue=library,
                               description_html="<p>Practise Norwegian over coffee.</p>",
                               start_local=datetime(2026, 6, 3, 18, 0)),
        "kite": factory.series(title="Kite festival", organisation=friends, venue=harbour,
                               description_html="<p>Bring your own kite.</p>", start_local=datetime(2026, 7, 11, 12, 0)),
        "workshop": factory.series(title="Workshop for families", organisation=polish, venue=harbour,
                                   description_html="<p>We build a kite together.</p>",
                                   start_local=datetime(2026, 6, 6, 11, 0)),
        "choir": factory.series(title="Café choir", organisation=polish, venue=library,
                                audience_note="Everybody who likes to sing", start_local=datetime(2026, 6, 4, 19, 0)),
    }


def test_accents_and_case_are_ignored(client, network) -> None:  # type: ignore[no-untyped-def]
    assert search(client, "solvberget") == ["Språkkafé", "Café choir"]  # the venue's name, by date
    assert search(client, "SPRAKKAFE") == ["Språkkafé"]
    assert search(client, "cafe") == ["Café choir"]  # "cafe" is a word of one title only
    assert search(client, "CAFÉ") == ["Café choir"]
    assert search(client, "sølvberget bibliotek") == ["Språkkafé", "Café choir"]


def test_each_word_is_a_prefix_and_every_word_must_match(client, network) -> None:  # type: ignore[no-untyped-def]
    assert search(client, "kite") == ["Kite festival", "Workshop for families"]
    assert search(client, "kite fest") == ["Kite festival"]
    assert search(client, "fes ki") == ["Kite festival"]
    assert search(client, "kite choir") == []
    assert search(client, "sing") == ["Café choir"]  # the audience note


def test_organisation_and_venue_names_match(client, network) -> None:  # type: ignore[no-untyped-def]
    assert search(client, "polish") == ["Språkkafé", "Café choir", "Workshop for families"]
    assert search(client, "wind") == ["Kite festival"]
    assert search(client, "harbour hall") == ["Workshop for families", "Kite festival"]


def test_a_title_match_comes_before_a_description_match_then_by_date(client, network) -> None:  # type: ignore[no-untyped-def]
    # The workshop is sooner (6 June) but has "kite" only in its description: the festival (11 July) leads.
    assert search(client, "kite") == ["Kite festival", "Workshop for families"]
    # Equally good matches (the venue's name) come by date.
    assert search(client, "harbour") == ["Workshop for families", "Kite festival"]


def test_search_without_a_window_looks_at_the_coming_year_and_one_line_per_event(client, factory) -> None:  # type: ignore[no-untyped-def]
    weekly = factory.series(title="Kite club", recurrence=Recurrence(freq="weekly", end="count", count=20),
                            start_local=datetime(2026, 6, 2, 18, 0))
    factory.series(title="Kite winter camp", start_local=datetime(2027, 1, 20, 10, 0))
    factory.series(title="Kite next year", start_local=datetime(2027, 7, 20, 10, 0))  # beyond a year
    page = client.get("/?q=kite").get_data(as_text=True)
    assert titles(page) == ["Kite club", "Kite winter camp"]  # the weekly club once, with its next date
    assert page.count(f'href="/events/{weekly.id}"') == 1
    # In an explicit window, only what takes place in it.
    assert search(client, "kite", "days=7") == ["Kite club"]
    assert search(client, "kite", "start=2027-01-19") == ["Kite winter camp"]


def test_drafts_and_pending_organisations_are_never_found(client, factory) -> None:  # type: ignore[no-untyped-def]
    waiting = factory.organisation("Waiting kites", slug="waiting", status=OrganisationStatus.PENDING)
    factory.series(title="Kite draft", status=SeriesStatus.DRAFT, start_local=datetime(2026, 6, 3, 12, 0))
    factory.series(title="Kite of a pending organisation", organisation=waiting,
                   start_local=datetime(2026, 6, 3, 12, 0))
    factory.series(title="Kite public", start_local=datetime(2026, 6, 3, 12, 0))
    assert search(client, "kite") == ["Kite public"]
    assert client.get("/api/v1/occurrences?start=2026-06-01&end=2026-06-30&q=kite").get_json()[0]["title"] == "Kite public"
    assert len(client.get("/api/v1/occurrences?start=2026-06-01&end=2026-06-30&q=kite").get_json()) == 1


def test_edits_and_renames_change_the_results_at_once(client, network) -> None:  # type: ignore[no-untyped-def]
    network["cafe"].title = "Conversation evening"
    db.session.commit()
    assert search(client, "sprakkafe") == []
    assert search(client, "conversation") == ["Conversation evening"]

    network["kite"].organisation.name = "Vindvenner"
    db.session.commit()
    assert search(client, "vindvenner") == ["Kite festival"]
    assert search(client, "wind") == []

    network["choir"].venue.name = "Stavanger konserthus"
    db.session.commit()
    assert search(client, "konserthus") == ["Conversation evening", "Café choir"]
    assert search(client, "solvberget") == []


def test_an_accepted_coorganiser_is_found_a_pending_one_not(client, factory) -> None:  # type: ignore[no-untyped-def]
    partner = factory.organisation("Red Cross", slug="red-cross")
    asked = factory.organisation("Blue Lagoon", slug="blue-lagoon")
    factory.series(title="Welcome dinner", coorganisers=[partner], start_local=datetime(2026, 6, 3, 18, 0))
    factory.series(title="Swim evening", coorganisers=[asked], coorganisers_accepted=False,
                   start_local=datetime(2026, 6, 3, 18, 0))
    assert search(client, "red cross") == ["Welcome dinner"]
    assert search(client, "lagoon") == []


def test_topics_match_by_their_name_in_every_language(client, factory) -> None:  # type: ignore[no-untyped-def]
    [culture] = [topic for topic in factory.topics() if topic.name == "Culture, Leisure and Heritage"]
    factory.series(title="Evening", topics=[culture], start_local=datetime(2026, 6, 3, 18, 0))
    assert search(client, "heritage") == ["Evening"]
    assert search(client, "kulturarv") == ["Evening"]  # its Bokmål name: "Kultur, fritid og kulturarv"


def test_the_search_box_and_its_chip(client, network) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/?q=kite&organisation=friends-of-the-wind").get_data(as_text=True)
    assert re.search(r'<input id="filter-q" type="search" name="q" value="kite"', page)
    assert '<label for="filter-q">' in page
    chip = re.search(r'<a class="chip" href="([^"]+)">Search: kite', page)
    assert chip and chip.group(1) == "/?organisation=friends-of-the-wind"
    assert titles(page) == ["Kite festival"]
    empty = client.get("/?q=kite+choir").get_data(as_text=True)
    assert "No events in this period match these filters." in empty
    assert 'href="/">Without kite choir</a>' in empty


def test_feeds_api_widget_and_print_filter_alike(client, network) -> None:  # type: ignore[no-untyped-def]
    api = client.get("/api/v1/occurrences?start=2026-06-01&end=2026-07-31&q=KITE").get_json()
    assert [item["title"] for item in api] == ["Workshop for families", "Kite festival"]  # by date
    calendar = Calendar.from_ical(client.get("/calendar.ics?q=kite").data)
    assert sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT")) == ["Kite festival",
                                                                                  "Workshop for families"]
    atom = ET.fromstring(client.get("/feed.atom?q=Sprak+SOLV").data)
    assert [entry.findtext(f"{ATOM}title") for entry in atom.iter(f"{ATOM}entry")] == ["Språkkafé"]
    embed = client.get("/embed?q=solvberget").get_data(as_text=True)
    assert "Språkkafé" in embed and "Kite festival" not in embed
    printed = client.get("/print?q=solvberget&start=2026-06-01&days=31").get_data(as_text=True)
    assert "Språkkafé" in printed and "Café choir" in printed and "Kite festival" not in printed


@pytest.mark.parametrize("query", ['"', '"kite', "kite*", "*", "NEAR(kite fest)", "kite NEAR fest", "title:kite",
                                   "kite:*", "& | ! ( )", "kite & !fest", "'", "\\", "a' OR '1'='1", "-kite",
                                   "^kite", "{title names}: kite", "kite AND OR NOT", "😀", "שלום", "x" * 200,
                                   "%", "_", "<script>"])
@pytest.mark.parametrize("path", ["/", "/calendar.ics", "/feed.atom", "/embed", "/print",
                                  "/api/v1/occurrences?start=2026-06-01&end=2026-06-30"])
def test_hostile_queries_never_fail(client, network, query: str, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path + ("&" if "?" in path else "?") + urlencode({"q": query}))
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["x" * 201, "x" * 10_000, "kite\x00", "kite\nfest", "\x7f"])
@pytest.mark.parametrize("path", ["/", "/calendar.ics", "/feed.atom", "/embed", "/print", "/api/v1/occurrences"])
def test_too_long_or_control_characters_are_a_400(client, query: str, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path, query_string={"q": query})
    assert response.status_code == 400


def test_the_sweet_kite_quotes_still_search(client, network) -> None:  # type: ignore[no-untyped-def]
    assert search(client, '"kite" (festival)') == ["Kite festival"]
    assert search(client, "***") == []  # no word at all: nothing matches


def test_a_searched_feed_is_named_after_the_search(client, network) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/calendar.ics?q=Kite+Fest")
    assert "ink-events-kite-fest" in response.headers["Content-Disposition"]
    assert str(Calendar.from_ical(response.data)["X-WR-CALNAME"]) == "INK Events: “Kite Fest”"


def test_the_subscribe_page_keeps_the_search(client, network) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/subscribe?q=kite&organisation=friends-of-the-wind").get_data(as_text=True)
    assert re.search(r'<input id="subscribe-q" type="search" name="q" value="kite"', page)
    assert "https://ink.example.org/calendar.ics?q=kite&amp;organisation=friends-of-the-wind" in page
