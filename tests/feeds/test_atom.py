"""/feed.atom: an Atom 1.0 feed (RFC 4287) of upcoming dates, with the calendar feeds' filters.

Read back with ElementTree (structure: the elements RFC 4287 requires) and with feedparser (what a
feed reader makes of it). The clock stands at Tuesday 2 June 2026, 12:00 in Oslo; the window is
today and the 13 days after it.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import feedparser
import pytest

from ink.events import service
from ink.events.models import Audience, SeriesStatus
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.organisations.models import OrganisationStatus
from tests.feeds.network import occurrence_on

A = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
UTC = timezone.utc


def _feed(response) -> ET.Element:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert root.tag == f"{A}feed"
    return root


def _entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{A}entry")


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(f"{A}{tag}")
    assert found is not None, f"no {tag}"
    return found.text or ""


def _link(element: ET.Element, rel: str) -> str:
    [link] = [link for link in element.findall(f"{A}link") if link.get("rel") == rel]
    return link.get("href") or ""


def _series_ids(response) -> set[int]:  # type: ignore[no-untyped-def]
    return {int(_link(entry, "alternate").rsplit("/", 1)[1]) for entry in _entries(_feed(response))}


def _updated(element: ET.Element) -> datetime:
    return datetime.strptime(_text(element, "updated"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@pytest.fixture
def cafe(factory):  # type: ignore[no-untyped-def]
    venue = factory.venue("Sølvberget", slug="solvberget", address="Sølvberggata 2")
    organisation = factory.organisation("Språkkafé Stavanger")
    return factory.series(organisation=organisation, title="Language café <&> “Polish”",
                          recurrence=Recurrence(freq="weekly"), venue=venue, duration_minutes=120)


def test_required_elements_one_entry_per_upcoming_date(client, cafe) -> None:
    root = _feed(client.get("/feed.atom"))
    assert root.get(XML_LANG) == "en"
    assert _text(root, "id") == "https://ink.example.org/feed.atom"
    assert _text(root, "title") == "INK Events"
    assert _updated(root) <= datetime(2026, 6, 2, 10, tzinfo=UTC)
    assert _link(root, "self") == "https://ink.example.org/feed.atom"
    assert _link(root, "alternate") == "https://ink.example.org/"
    assert _text(root.find(f"{A}author"), "name")  # type: ignore[arg-type]
    entries = _entries(root)
    # 2 and 9 June; 16 June is past the fortnight
    assert len(entries) == 2
    first = entries[0]
    assert _text(first, "title") == "Language café <&> “Polish”"  # escaped by the serialiser, read back whole
    assert _text(first, "id").startswith("tag:ink.example.org,2026-06-02:events/")
    assert _link(first, "alternate") == f"https://ink.example.org/events/{cafe.id}"
    author = first.find(f"{A}author")
    assert author is not None and _text(author, "name") == "Språkkafé Stavanger"
    assert _text(author, "uri") == f"https://ink.example.org/organisations/{cafe.organisation.slug}"
    assert _text(first, "summary") == "Tuesday 2 June 2026, 18:00–20:00 · Sølvberget, Sølvberggata 2"
    assert "Tuesday 9 June 2026" in _text(entries[1], "summary")
    assert _updated(first) == cafe.updated_at.replace(microsecond=0)
    assert len({_text(entry, "id") for entry in entries}) == 2


def test_ids_stay_and_a_cancelled_date_is_marked_not_dropped(app, client, cafe, clock) -> None:
    first = client.get("/feed.atom")
    ids = [_text(entry, "id") for entry in _entries(_feed(first))]
    app.extensions["ink.feeds.cache"].clear()
    again = client.get("/feed.atom")
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]  # a render is deterministic

    clock.advance(hours=2)
    service.cancel_occurrence(occurrence_on(cafe, date(2026, 6, 9)), reason="The library is closed", now=clock.now())
    db.session.commit()
    root = _feed(client.get("/feed.atom"))
    entries = _entries(root)
    assert [_text(entry, "id") for entry in entries] == ids
    assert _text(entries[0], "title") == "Language café <&> “Polish”"
    assert _text(entries[1], "title") == "Cancelled: Language café <&> “Polish”"
    assert "This date is cancelled: The library is closed" in _text(entries[1], "content")
    assert _updated(entries[1]) == datetime(2026, 6, 2, 12, tzinfo=UTC)  # was 10:00
    assert _updated(root) == datetime(2026, 6, 2, 12, tzinfo=UTC)


def test_a_moved_date_keeps_its_entry_and_says_so(client, cafe, clock) -> None:
    occ = occurrence_on(cafe, date(2026, 6, 9))
    before = [_text(entry, "id") for entry in _entries(_feed(client.get("/feed.atom")))]
    service.move_occurrence(occ, start_at=occ.start_at + timedelta(days=1), end_at=occ.end_at + timedelta(days=1),
                            venue=None, note="One day later this week", now=clock.now())
    db.session.commit()
    entries = _entries(_feed(client.get("/feed.atom")))
    assert [_text(entry, "id") for entry in entries] == before
    content = _text(entries[1], "content")
    assert "Wednesday 10 June 2026, 18:00–20:00" in content
    assert "Moved from Tuesday 9 June at 18:00" in content and "One day later this week" in content


def test_past_dates_and_drafts_are_not_entries(client, factory) -> None:
    factory.series(title="Last week", start_local=datetime(2026, 5, 26, 18, 0))
    factory.series(title="Draft", start_local=datetime(2026, 6, 4, 18, 0), status=SeriesStatus.DRAFT)
    kept = factory.series(title="Thursday", start_local=datetime(2026, 6, 4, 18, 0))
    factory.series(title="Too far", start_local=datetime(2026, 6, 16, 18, 0))
    assert _series_ids(client.get("/feed.atom")) == {kept.id}


@pytest.fixture
def filtered(factory):  # type: ignore[no-untyped-def]
    topics = factory.topics()
    a, b, c = factory.organisation("Alpha"), factory.organisation("Beta"), factory.organisation("Gamma")
    hall = factory.venue("Hall", slug="hall")
    return {
        "a_pl": factory.series(organisation=a, languages=["pl"], topics=[topics[0]], audiences=[Audience.ADULTS]),
        "b_ar": factory.series(organisation=b, languages=["ar"], topics=[topics[1]], venue=hall, is_drop_in=True),
        "c_pl_kids": factory.series(organisation=c, languages=["pl", "nb"], topics=[topics[0]],
                                    audiences=[Audience.CHILDREN]),
        "co": factory.series(organisation=c, coorganisers=[a]),
        "topics": topics,
    }


def test_filters_are_those_of_the_calendar_feed(client, filtered) -> None:
    ids = {key: s.id for key, s in filtered.items() if key != "topics"}
    topic = filtered["topics"][0].slug
    assert _series_ids(client.get("/feed.atom")) == set(ids.values())
    assert _series_ids(client.get("/feed.atom?organisation=alpha")) == {ids["a_pl"], ids["co"]}
    assert _series_ids(client.get("/feed.atom?organisation=alpha&organisation=beta")) == {
        ids["a_pl"], ids["co"], ids["b_ar"]}
    assert _series_ids(client.get(f"/feed.atom?topic={topic}")) == {ids["a_pl"], ids["c_pl_kids"]}
    assert _series_ids(client.get(f"/feed.atom?topic={topic}&organisation=gamma")) == {ids["c_pl_kids"]}
    assert _series_ids(client.get("/feed.atom?venue=hall")) == {ids["b_ar"]}
    assert _series_ids(client.get("/feed.atom?dropin=1")) == {ids["b_ar"]}
    assert _series_ids(client.get("/feed.atom?language=pl")) == {ids["a_pl"], ids["c_pl_kids"]}
    assert _series_ids(client.get("/feed.atom?language=PL&audience=children")) == {ids["c_pl_kids"]}


def test_a_filtered_feed_is_named_and_linked_from_its_filter(client, filtered) -> None:
    topic = filtered["topics"][0]
    root = _feed(client.get(f"/feed.atom?topic={topic.slug}&organisation=gamma&dropin=1"))
    assert _text(root, "title") == f"INK Events: Gamma, {topic.name}, drop-in"
    query = f"?organisation=gamma&topic={topic.slug}&dropin=1"
    assert _link(root, "self") == _text(root, "id") == f"https://ink.example.org/feed.atom{query}"
    assert _link(root, "alternate") == f"https://ink.example.org/{query}"


@pytest.mark.parametrize("query, named", [
    ("organisation=alpha&organisation=nobody", b"nobody"),
    ("topic=no-such-topic", b"no-such-topic"),
    ("venue=nowhere", b"nowhere"),
    ("audience=martians", b"martians"),
    ("language=not a code", b"language"),
    ("dropin=yes", b"dropin"),
    ("lang=xx", b"lang"),
    ("organisation=%00", b"organisation"),
])
def test_unknown_values_get_the_feeds_clear_400(client, filtered, query: str, named: bytes) -> None:
    response = client.get(f"/feed.atom?{query}")
    assert response.status_code == 400 and named in response.data
    calendar = client.get(f"/calendar.ics?{query}")  # the same answer as the calendar feed's
    assert _without_csrf(response.data.replace(b"/feed.atom", b"/calendar.ics")) == _without_csrf(calendar.data)


def _without_csrf(page: bytes) -> bytes:
    """The page minus its CSRF token, whose timestamp differs when the two requests straddle a second."""
    return re.sub(rb'name="csrf_token" value="[^"]*"', b'name="csrf_token"', page)


def test_conditional_requests_get_304(client, cafe, clock) -> None:
    first = client.get("/feed.atom")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert parsedate_to_datetime(last_modified) == _updated(_feed(first))
    again = client.get("/feed.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get("/feed.atom", headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get("/feed.atom", headers={"If-None-Match": '"other"'}).status_code == 200
    clock.advance(hours=1)
    service.cancel_occurrence(occurrence_on(cafe, date(2026, 6, 2)), reason="", now=clock.now())
    db.session.commit()
    changed = client.get("/feed.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_pending_organisations_events_are_absent(client, factory, cafe) -> None:
    pending = factory.organisation("Pending", status=OrganisationStatus.PENDING)
    factory.series(organisation=pending, title="Not yet public")
    assert _series_ids(client.get("/feed.atom")) == {cafe.id}
    assert client.get(f"/feed.atom?organisation={pending.slug}").status_code == 400


def test_bokmal_with_lang_nb(client, factory, cafe, clock) -> None:
    kids = factory.series(title="Eventyrstund", start_local=datetime(2026, 6, 3, 17, 0), audiences=[Audience.CHILDREN])
    service.cancel_occurrence(occurrence_on(kids, date(2026, 6, 3)), reason="", now=clock.now())
    db.session.commit()
    english = client.get("/feed.atom", headers={"Accept-Language": "nb"})
    assert _feed(english).get(XML_LANG) == "en"  # readers send no cookie: only ?lang= chooses
    root = _feed(client.get("/feed.atom?lang=nb&audience=children"))
    assert root.get(XML_LANG) == "nb"
    assert _text(root, "title") == "INK Events: Barn"
    assert _text(root, "subtitle") == "Kommende arrangementer i programmet til INK-nettverket."
    assert _link(root, "self") == "https://ink.example.org/feed.atom?audience=children&lang=nb"
    [entry] = _entries(root)
    assert _text(entry, "title") == "Avlyst: Eventyrstund"
    assert _text(entry, "summary").startswith("onsdag 3. juni 2026 kl. 17:00")
    assert "Denne datoen er avlyst." in _text(entry, "content")


def test_feedparser_reads_it_as_a_valid_feed(client, cafe, clock) -> None:
    service.cancel_occurrence(occurrence_on(cafe, date(2026, 6, 9)), reason="", now=clock.now())
    db.session.commit()
    parsed = feedparser.parse(client.get("/feed.atom").data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "INK Events" and parsed.feed.language == "en"
    assert [entry.title for entry in parsed.entries] == [
        "Language café <&> “Polish”", "Cancelled: Language café <&> “Polish”"]
    entry = parsed.entries[0]
    assert entry.link == f"https://ink.example.org/events/{cafe.id}"
    assert entry.author == "Språkkafé Stavanger" and entry.id.startswith("tag:ink.example.org,")
    assert entry.updated_parsed is not None and "Sølvberget" in entry.summary


def test_programme_and_subscribe_pages_announce_it(client, filtered) -> None:
    html = client.get("/").get_data(as_text=True)
    head = html.split("</head>")[0]
    assert '<link rel="alternate" type="application/atom+xml" title="Atom feed" href="/feed.atom">' in head
    assert '<a href="https://ink.example.org/feed.atom" type="application/atom+xml">Atom feed</a>' in html
    topic = filtered["topics"][0].slug
    html = client.get(f"/subscribe?topic={topic}").get_data(as_text=True)
    url = f"https://ink.example.org/feed.atom?topic={topic}"
    assert f'type="application/atom+xml" title="Atom feed" href="/feed.atom?topic={topic}"' in html.split("</head>")[0]
    assert f'<a href="{url}" type="application/atom+xml">Atom feed</a>' in html
    client.set_cookie("ink_lang", "nb")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/feed.atom?lang=nb"' in html.split("</head>")[0]
    assert 'href="https://ink.example.org/feed.atom?lang=nb"' in html and ">Atom-strøm</a>" in html
