"""Only active organisations' events are public: programme, pages, every feed, the API (issue #8)."""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime

import pytest

from ink.organisations.models import OrganisationStatus


@dataclass
class Network:
    open_id: int
    waiting_id: int
    open_slug: str
    waiting_slug: str
    gone_slug: str
    topic_slug: str
    venue_slug: str
    ids: dict[str, int]
    uids: dict[str, str]


HIDDEN = ("Waiting café", "Gone café", "Waiting with Open")


@pytest.fixture
def network(factory) -> Network:  # type: ignore[no-untyped-def]
    topic = factory.topics()[0]
    venue = factory.venue("Library")
    open_org = factory.organisation("Open house")
    waiting = factory.organisation("Waiting club", status=OrganisationStatus.PENDING)
    gone = factory.organisation("Gone club", status=OrganisationStatus.ARCHIVED)
    made = {
        "Open café": factory.series(title="Open café", organisation=open_org, topics=[topic], venue=venue,
                                    start_local=datetime(2026, 6, 3, 18, 0)),
        "Waiting café": factory.series(title="Waiting café", organisation=waiting, topics=[topic], venue=venue,
                                       start_local=datetime(2026, 6, 3, 18, 0)),
        "Gone café": factory.series(title="Gone café", organisation=gone, topics=[topic], venue=venue,
                                    start_local=datetime(2026, 6, 3, 18, 0)),
        # Led by a pending organisation, co-organised by an active one: still not public.
        "Waiting with Open": factory.series(title="Waiting with Open", organisation=waiting, coorganisers=[open_org],
                                            topics=[topic], venue=venue, start_local=datetime(2026, 6, 3, 18, 0)),
    }
    return Network(open_org.id, waiting.id, open_org.slug, waiting.slug, gone.slug, topic.slug, venue.slug,
                   {title: s.id for title, s in made.items()}, {title: s.uid for title, s in made.items()})


def _shows_only_open(body: str) -> None:
    assert "Open café" in body
    for title in HIDDEN:
        assert title not in body


def test_programme_lists_only_active_organisations_events(client, network) -> None:  # type: ignore[no-untyped-def]
    _shows_only_open(client.get("/").data.decode())


def test_topic_and_organisation_pages_list_only_public_events(client, network) -> None:  # type: ignore[no-untyped-def]
    _shows_only_open(client.get(f"/topics/{network.topic_slug}").data.decode())
    _shows_only_open(client.get(f"/organisations/{network.open_slug}").data.decode())


@pytest.mark.parametrize("title", HIDDEN)
def test_event_page_of_a_non_public_organisation_is_404(client, network, title) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/events/{network.ids[title]}").status_code == 404
    assert client.get(f"/events/{network.ids['Open café']}").status_code == 200


def test_editor_previews_with_a_notice_why_it_is_not_public(client, auth, factory, network) -> None:  # type: ignore[no-untyped-def]
    from ink.extensions import db
    from ink.organisations.models import Organisation

    waiting = db.session.get(Organisation, network.waiting_id)
    factory.user("ed@example.org", editor_of=[waiting])
    auth.login("ed@example.org")
    page = client.get(f"/events/{network.ids['Waiting café']}")
    assert page.status_code == 200
    assert "Waiting club is awaiting approval by the network's coordinators" in html.unescape(page.data.decode())
    manage = client.get(f"/manage/series/{network.ids['Waiting café']}").data.decode()
    assert "its events become public when it is approved" in manage


def _feed(client, path: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.data.decode()


def test_every_feed_carries_only_public_series(client, network) -> None:  # type: ignore[no-untyped-def]
    for path in ("/calendar.ics", f"/calendar.ics?topic={network.topic_slug}", f"/calendar.ics?venue={network.venue_slug}",
                 f"/calendar.ics?organisation={network.open_slug}", f"/topics/{network.topic_slug}/calendar.ics",
                 f"/venues/{network.venue_slug}/calendar.ics", f"/organisations/{network.open_slug}/calendar.ics"):
        body = _feed(client, path)
        assert network.uids["Open café"] in body, path
        for title in HIDDEN:
            assert network.uids[title] not in body, (path, title)


def test_feeds_of_non_public_organisations_and_their_series_are_404(client, network) -> None:  # type: ignore[no-untyped-def]
    for slug in (network.waiting_slug, network.gone_slug):
        assert client.get(f"/organisations/{slug}/calendar.ics").status_code == 404
    for title in HIDDEN:
        assert client.get(f"/events/{network.ids[title]}.ics").status_code == 404
    assert client.get(f"/events/{network.ids['Open café']}.ics").status_code == 200


def test_occurrence_download_of_a_non_public_series_is_404(client, network) -> None:  # type: ignore[no-untyped-def]
    from ink.events.models import EventSeries
    from ink.extensions import db

    series = db.session.get(EventSeries, network.ids["Waiting café"])
    occ_id = series.occurrences[0].id
    assert client.get(f"/events/{series.id}/dates/{occ_id}.ics").status_code == 404


def test_api_lists_only_public_occurrences(client, network) -> None:  # type: ignore[no-untyped-def]
    for query in ("", f"&topic={network.topic_slug}", f"&venue={network.venue_slug}"):
        found = client.get(f"/api/v1/occurrences?start=2026-06-01&end=2026-06-30{query}").get_json()
        assert {item["title"] for item in found} == {"Open café"}, query


def test_subscribe_page_offers_only_public_choices(client, network) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/subscribe").data.decode()
    assert "Open house" in page and "Waiting club" not in page and "Gone club" not in page


def test_approving_the_organisation_makes_its_events_public_in_a_cached_feed(client, auth, factory, network) -> None:  # type: ignore[no-untyped-def]
    assert network.uids["Waiting café"] not in _feed(client, "/calendar.ics")  # rendered and cached
    factory.coordinator()
    auth.login("coordinator@example.org")
    assert client.post(f"/manage/organisations/{network.waiting_id}/approve").status_code == 302
    auth.logout()
    assert network.uids["Waiting café"] in _feed(client, "/calendar.ics")
    assert client.get(f"/events/{network.ids['Waiting café']}").status_code == 200


def test_publishing_while_pending_saves_and_says_it_is_not_public_yet(client, auth, factory) -> None:  # type: ignore[no-untyped-def]
    from ink.events.models import SeriesStatus

    waiting = factory.organisation("Brand new club", status=OrganisationStatus.PENDING)
    series = factory.series(organisation=waiting, status=SeriesStatus.DRAFT)
    factory.user("new@example.org", editor_of=[waiting])
    auth.login("new@example.org")
    page = client.post(f"/manage/series/{series.id}/publish", follow_redirects=True).data.decode()
    page = html.unescape(page)
    assert "The event is published." in page
    assert "Brand new club is awaiting approval by the network's coordinators; its events become public" in page
    auth.logout()
    assert client.get(f"/events/{series.id}").status_code == 404


def test_publishing_for_an_archived_organisation_says_so(client, auth, factory) -> None:  # type: ignore[no-untyped-def]
    from ink.events.models import SeriesStatus

    gone = factory.organisation("Old club", status=OrganisationStatus.ARCHIVED)
    series = factory.series(organisation=gone, status=SeriesStatus.DRAFT)
    factory.coordinator()
    auth.login("coordinator@example.org")
    page = client.post(f"/manage/series/{series.id}/publish", follow_redirects=True).data.decode()
    page = html.unescape(page)
    assert "Old club is archived: archived organisations' events are not public." in page
