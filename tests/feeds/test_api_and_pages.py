"""The occurrences API, the subscribe page and the subscribe panels."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from flask import render_template

from ink.events import service
from ink.events.models import Audience
from ink.events.recurrence import Recurrence
from ink.extensions import db
from tests.feeds.network import occurrence_on


@pytest.fixture
def weekly(factory):  # type: ignore[no-untyped-def]
    org = factory.organisation("Alpha")
    venue = factory.venue("Hall", slug="hall")
    series = factory.series(organisation=org, title="Café", recurrence=Recurrence(freq="weekly"), venue=venue,
                            start_local=datetime(2026, 6, 2, 18, 0), languages=["pl"])
    service.cancel_occurrence(occurrence_on(series, date(2026, 6, 9)), reason="", now=factory.clock.now())
    db.session.commit()
    return series


def test_occurrences_api_shape(client, weekly, factory) -> None:
    festival = factory.series(title="Festival", start_local=datetime(2026, 6, 6), is_all_day=True,
                              all_day_days=2, duration_minutes=None)
    response = client.get("/api/v1/occurrences?start=2026-06-01&end=2026-06-10")
    assert response.status_code == 200 and response.is_json
    items = response.get_json()
    cafe = [item for item in items if item["series_id"] == weekly.id]
    assert [item["status"] for item in cafe] == ["scheduled", "cancelled"]
    first = cafe[0]
    assert first == {
        "series_id": weekly.id, "uid": weekly.uid, "recurrence_id": "2026-06-02T18:00:00+02:00",
        "start": "2026-06-02T18:00:00+02:00", "end": "2026-06-02T20:00:00+02:00", "all_day": False,
        "status": "scheduled", "title": "Café", "venue": {"slug": "hall", "name": "Hall", "address": ""},
        "organisation": {"slug": "alpha", "name": "Alpha"}, "audiences": [],
        "url": f"https://ink.example.org/events/{weekly.id}",
        "original_language": "en",
        "texts": {"en": {"title": "Café", "description_html": "", "audience_note": ""}},
    }
    [fest] = [item for item in items if item["series_id"] == festival.id]
    assert (fest["start"], fest["end"], fest["all_day"]) == ("2026-06-06", "2026-06-08", True)
    # the end date is inclusive; filters work as on the feeds
    assert len(client.get("/api/v1/occurrences?start=2026-06-09&end=2026-06-09").get_json()) == 1
    assert [i["series_id"] for i in client.get(
        "/api/v1/occurrences?start=2026-06-01&end=2026-06-10&language=pl").get_json()] == [weekly.id] * 2


@pytest.mark.parametrize(("query", "parameter"), [
    ("", "start"),
    ("start=2026-06-01", "end"),
    ("start=06/01/2026&end=2026-06-10", "start"),
    ("start=2026-06-01&end=2026-13-01", "end"),
    ("start=2026-06-10&end=2026-06-01", "end"),
    ("start=2026-01-01&end=2027-01-02", "end"),
    ("start=2026-06-01&end=2026-06-10&topic=nothing", "topic"),
    ("start=2026-06-01&end=2026-06-10&language=%3Cscript%3E", "language"),
])
def test_occurrences_api_bad_parameters(client, query: str, parameter: str) -> None:
    response = client.get(f"/api/v1/occurrences?{query}")
    assert response.status_code == 400 and response.is_json
    body = response.get_json()
    assert body["parameter"] == parameter and parameter in body["error"]


def test_occurrences_api_window_limit_is_explained(client) -> None:
    body = client.get("/api/v1/occurrences?start=2026-01-01&end=2027-06-01").get_json()
    assert "366 days" in body["error"]
    assert client.get("/api/v1/occurrences?start=2026-01-01&end=2026-12-31").status_code == 200


def test_subscribe_page_builds_a_filtered_feed(client, weekly) -> None:
    page = client.get("/subscribe")
    assert page.status_code == 200
    html = page.data.decode()
    assert 'value="https://ink.example.org/calendar.ics"' in html
    assert "webcal://ink.example.org/calendar.ics" in html
    assert 'name="organisation" value="alpha"' in html and 'name="language" value="pl"' in html
    assert "<svg" in html and "subscribe.js" in html and "<script>" not in html
    for client_name in ("Google Calendar", "Apple Calendar", "Outlook", "Thunderbird", "From URL"):
        assert client_name in html
    chosen = client.get("/subscribe?organisation=alpha&language=pl").data.decode()
    assert "https://ink.example.org/calendar.ics?organisation=alpha&amp;language=pl" in chosen
    assert "checked" in chosen
    bad = client.get("/subscribe?organisation=nobody")
    assert bad.status_code == 422 and b"nobody" in bad.data


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_subscribe_form_is_a_plain_get_that_works_with_csrf_on(client, weekly, app_config) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/subscribe?organisation=alpha").data.decode()
    assert 'method="get"' in html
    assert client.get("/calendar.ics?organisation=alpha").status_code == 200


def test_subscribe_script_is_served(client) -> None:
    with client.get("/static/subscribe.js") as response:
        assert response.status_code == 200 and b"clipboard" in response.data


def panels_for(app, slot: str, obj, now):  # type: ignore[no-untyped-def]
    """The feeds' panels for a slot, as the page macro gets them (the anonymous visitor)."""
    found = []
    for template, context in app.extensions["ink.panels"].get(slot, []):
        values = context(None, obj, now)
        if template.startswith("feeds/") and values is not None:
            found.append((template, values))
    return found


def test_panels_link_to_feeds_and_single_dates(app, weekly, clock) -> None:
    with app.test_request_context("/"):
        [(template, panel)] = panels_for(app, "public_event", weekly, clock.now())
        html = render_template(template, panel=panel)
        assert f"https://ink.example.org/events/{weekly.id}.ics" in html
        assert f"webcal://ink.example.org/events/{weekly.id}.ics" in html
        assert f"/events/{weekly.id}/dates/" in html
        # the cancelled 9 June is not offered for download
        assert len(panel["dates"]) == 4 and all(not occ.is_cancelled for occ, _ in panel["dates"])
        [(template, panel)] = panels_for(app, "public_organisation", weekly.organisation, clock.now())
        html = render_template(template, panel=panel)
        assert "https://ink.example.org/organisations/alpha/calendar.ics" in html
        [(template, panel)] = panels_for(app, "public_programme", None, clock.now())
        html = render_template(template, panel=panel)
        assert "/subscribe" in html and "webcal://ink.example.org/calendar.ics" in html
        service.unpublish_series(weekly, now=clock.now())
        assert panels_for(app, "public_event", weekly, clock.now()) == []


def test_public_pages_show_the_panels(app, client, weekly) -> None:
    """Once the public pages exist (they are built in another branch), they carry the panels."""
    if "public.event" not in app.view_functions:
        pytest.skip("the public event page is not in this tree yet")
    html = client.get(f"/events/{weekly.id}").data.decode()
    assert f"https://ink.example.org/events/{weekly.id}.ics" in html and f"/events/{weekly.id}/dates/" in html
    html = client.get("/organisations/alpha").data.decode()
    assert "https://ink.example.org/organisations/alpha/calendar.ics" in html
    assert "/subscribe" in client.get("/").data.decode()


def test_venue_filter_follows_a_date_moved_to_another_venue(client, weekly, factory) -> None:
    """The API lists each date where it takes place: a date moved away from the venue leaves
    ?venue=, a date of another series moved to it joins. The feed carries whole series: the
    series' own venue decides, and the moved date stays in it as an override with its new
    LOCATION (so a resident following the venue sees that this week it is elsewhere); the
    other series' date moved in is not in that venue's feed (it is in the series' own feeds)."""
    from icalendar import Calendar

    from ink.core.time import local_to_utc

    annex = factory.venue("Annex", slug="annex")
    other = factory.series(title="Choir", recurrence=Recurrence(freq="weekly"), venue=annex,
                           start_local=datetime(2026, 6, 3, 19, 0))
    clock_now = factory.clock.now()
    away = occurrence_on(weekly, date(2026, 6, 16))  # the café goes to the annex this week
    service.move_occurrence(away, start_at=away.start_at, end_at=away.end_at, venue=annex, note="",
                            now=clock_now)
    visiting = occurrence_on(other, date(2026, 6, 17))  # the choir comes to the hall once
    service.move_occurrence(visiting, start_at=local_to_utc(datetime(2026, 6, 17, 19, 0), "Europe/Oslo"),
                            end_at=local_to_utc(datetime(2026, 6, 17, 20, 0), "Europe/Oslo"),
                            venue=weekly.venue, note="", now=clock_now)
    db.session.commit()

    def listed(*venues: str) -> list[tuple[str, str, str]]:
        query = "".join(f"&venue={venue}" for venue in venues)
        items = client.get(f"/api/v1/occurrences?start=2026-06-15&end=2026-06-21{query}").get_json()
        return [(item["title"], item["start"][:10], item["venue"]["slug"]) for item in items]

    assert listed("hall") == [("Choir", "2026-06-17", "hall")]
    assert listed("annex") == [("Café", "2026-06-16", "annex")]
    assert listed("annex", "hall") == [("Café", "2026-06-16", "annex"), ("Choir", "2026-06-17", "hall")]
    # dates not moved still follow their series' venue
    assert ("Café", "2026-06-23", "hall") in [
        (i["title"], i["start"][:10], i["venue"]["slug"])
        for i in client.get("/api/v1/occurrences?start=2026-06-22&end=2026-06-28&venue=hall").get_json()]

    hall_feed = Calendar.from_ical(client.get("/venues/hall/calendar.ics").data).walk("VEVENT")
    assert {str(e["UID"]) for e in hall_feed} == {weekly.uid}
    moved = [e for e in hall_feed if "RECURRENCE-ID" in e and e["RECURRENCE-ID"].dt.day == 16]
    assert [str(e["LOCATION"]) for e in moved] == ["Annex"]
    annex_feed = Calendar.from_ical(client.get("/calendar.ics?venue=annex").data).walk("VEVENT")
    assert {str(e["UID"]) for e in annex_feed} == {other.uid}


def test_subscribe_page_offers_every_choice_and_refresh_times(client, weekly, factory) -> None:
    from html import unescape

    topics = factory.topics()
    factory.series(organisation=factory.organisation("Beta"), topics=[topics[0]], audiences=[Audience.CHILDREN])
    html = client.get("/subscribe").data.decode()
    for name, value in (("organisation", "alpha"), ("organisation", "beta"), ("topic", topics[0].slug),
                        ("language", "pl"), ("audience", "children")):
        assert f'name="{name}" value="{value}"' in html, (name, value)
    # each client's instructions say how often it refreshes
    for refresh in ("every 8 to 24 hours", "Auto-refresh", "every few hours", "every 60 minutes", "every 6 hours"):
        assert refresh in html, refresh
    assert 'data-copy-target="feed-url"' in html and 'id="feed-url"' in html
    chosen = client.get(f"/subscribe?topic={topics[0].slug}&audience=children").data.decode()
    url = f"https://ink.example.org/calendar.ics?topic={topics[0].slug}&audience=children"
    assert f'value="{url.replace("&", "&amp;")}"' in chosen
    assert "webcal://ink.example.org/calendar.ics?topic=" in chosen
    svg = chosen[chosen.index("<svg"):chosen.index("</svg>")]
    assert unescape(svg[svg.index("<title>") + 7:svg.index("</title>")]) == url  # the QR code is of this link
    # the link it builds is a working feed
    assert client.get(url.removeprefix("https://ink.example.org")).status_code == 200
