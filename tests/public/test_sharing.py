"""Sharing an event page: link-preview tags, schema.org Event JSON-LD, the next date at the top, share links."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ink.events import service as events
from ink.events.models import Occurrence, SeriesStatus
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.i18n import LANGUAGE_COOKIE
from ink.pictures.service import store_picture
from tests.pictures.conftest import image_bytes

BASE = "https://ink.example.org"  # tests.conftest's BASE_URL
SCHEMA = "https://schema.org/"


class Page(HTMLParser):
    """What previews and crawlers read: meta tags, links, scripts (with their text), every element's start."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.anchors: dict[str, str] = {}  # visible text -> href
        self.ids: set[str] = set()
        self.order: list[str] = []  # "tag.class" of every start tag, in order
        self._script: dict[str, str | None] | None = None
        self._anchor: str | None = None
        self._text = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.order.append(f"{tag}.{values.get('class') or ''}")
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "meta" and values.get("content") is not None:
            key = values.get("property") or values.get("name")
            if key:
                self.meta[key] = str(values["content"])
        elif tag == "link" and values.get("rel"):
            self.links[str(values["rel"])] = str(values.get("href"))
        elif tag == "script":
            self._script, self._text = values, ""
        elif tag == "a":
            self._anchor, self._text = str(values.get("href")), ""

    def handle_data(self, data: str) -> None:
        if self._script is not None or self._anchor is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, self._text))
            self._script = None
        elif tag == "a" and self._anchor is not None:
            self.anchors[" ".join(self._text.split())] = self._anchor
            self._anchor = None

    def json_ld(self) -> list[dict]:  # type: ignore[type-arg]
        blocks = [text for attrs, text in self.scripts if attrs.get("type") == "application/ld+json"]
        assert len(blocks) == 1
        return json.loads(blocks[0])  # type: ignore[no-any-return]


def page(client, series, **kwargs) -> tuple[str, Page]:  # type: ignore[no-untyped-def]
    response = client.get(f"/events/{series.id}", **kwargs)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, Page(html)


def occurrences_of(series) -> list[Occurrence]:  # type: ignore[no-untyped-def]
    return sorted(series.occurrences, key=lambda occ: occ.start_at)


@pytest.fixture
def language_cafe(factory):  # type: ignore[no-untyped-def]
    library = factory.organisation("Sølvberget library", slug="solvberget-library", website="https://library.example.org")
    polish = factory.organisation("Polish Association", slug="polish-association")
    venue = factory.venue("Sølvberget", address="Sølvberggata 2, 4006 Stavanger", latitude=58.97066, longitude=5.73176)
    return factory.series(
        title="Language café", organisation=library, coorganisers=[polish], venue=venue,
        start_local=datetime(2026, 6, 2, 17, 0), duration_minutes=120,
        recurrence=Recurrence(freq="weekly", weekdays=(1, 3)),
        description_html="<p>Practise <strong>Norwegian</strong> over coffee.</p>",
    )


def test_preview_tags_name_the_event_its_next_date_and_place(client, language_cafe):
    _html, found = page(client, language_cafe)
    url = f"{BASE}/events/{language_cafe.id}"

    description = "Tuesday 2 June 2026, 17:00–19:00 · Sølvberget, Sølvberggata 2, 4006 Stavanger"
    assert found.meta["og:title"] == "Language café"
    assert found.meta["og:description"] == description
    assert found.meta["og:url"] == url and found.links["canonical"] == url
    assert found.meta["og:type"] == "website"
    assert found.meta["og:site_name"] == "INK Events"
    assert found.meta["og:locale"] == "en_GB"
    assert found.meta["twitter:card"] == "summary"
    assert found.meta["twitter:title"] == "Language café" and found.meta["twitter:description"] == description
    assert found.meta["description"] == f"{description} — Practise Norwegian over coffee."
    # No picture exists, so none is invented.
    assert "og:image" not in found.meta and "twitter:image" not in found.meta


@pytest.mark.parametrize(("size", "shared"), [((2400, 1260), (1600, 840)), ((900, 600), (900, 600))])
def test_a_picture_becomes_the_preview_image_in_its_largest_rendition(app, client, language_cafe, clock, tmp_path,
                                                                       size, shared):  # type: ignore[no-untyped-def]
    app.config["PICTURES_DIR"] = str(tmp_path)
    picture = store_picture(image_bytes(size), "Coffee cups on a long table", now=clock.now())
    language_cafe.picture = picture
    db.session.commit()
    image_url = f"{BASE}/pictures/{picture.digest}-{shared[0]}.jpg"

    _html, found = page(client, language_cafe)

    assert found.meta["og:image"] == image_url
    assert (found.meta["og:image:width"], found.meta["og:image:height"]) == tuple(map(str, shared))
    assert found.meta["og:image:alt"] == found.meta["twitter:image:alt"] == "Coffee cups on a long table"
    assert found.meta["twitter:card"] == "summary_large_image"
    assert {tuple(event["image"]) for event in found.json_ld()} == {(image_url,)}
    served = client.get(urlsplit(image_url).path)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    served.close()


def test_the_canonical_url_comes_from_base_url_not_the_host_asked_for(client, language_cafe):
    _html, found = page(client, language_cafe, headers={"Host": "evil.example.com"})

    assert found.meta["og:url"] == found.links["canonical"] == f"{BASE}/events/{language_cafe.id}"


def test_json_ld_lists_each_upcoming_date_of_a_weekly_series_as_an_event(client, language_cafe):
    _html, found = page(client, language_cafe)
    data = found.json_ld()

    assert len(data) == 10  # bounded: the next ten dates of an endless series
    first, second = data[0], data[1]
    assert (first["startDate"], first["endDate"]) == ("2026-06-02T17:00:00+02:00", "2026-06-02T19:00:00+02:00")
    assert second["startDate"] == "2026-06-04T17:00:00+02:00"  # the Thursday
    for event in data:
        assert event["@context"] == "https://schema.org" and event["@type"] == "Event"
        assert event["name"] == "Language café"
        assert event["url"] == f"{BASE}/events/{language_cafe.id}"
        assert event["description"] == "Practise Norwegian over coffee."
        assert event["eventStatus"] == SCHEMA + "EventScheduled"
        assert event["eventAttendanceMode"] == SCHEMA + "OfflineEventAttendanceMode"
        assert "previousStartDate" not in event
        assert event["location"] == {
            "@type": "Place", "name": "Sølvberget",
            "address": {"@type": "PostalAddress", "streetAddress": "Sølvberggata 2", "postalCode": "4006",
                        "addressLocality": "Stavanger", "addressCountry": "NO"},
            "geo": {"@type": "GeoCoordinates", "latitude": 58.97066, "longitude": 5.73176},
        }
        assert event["organizer"] == [
            {"@type": "Organization", "name": "Sølvberget library", "url": f"{BASE}/organisations/solvberget-library",
             "sameAs": "https://library.example.org"},
            {"@type": "Organization", "name": "Polish Association", "url": f"{BASE}/organisations/polish-association"},
        ]
        assert "image" not in event


def test_a_winter_date_carries_the_winter_offset(client, factory):
    series = factory.series(title="Lights", start_local=datetime(2026, 12, 1, 18, 0), duration_minutes=60)

    _html, found = page(client, series)

    assert found.json_ld()[0]["startDate"] == "2026-12-01T18:00:00+01:00"


def test_a_cancelled_date_is_listed_as_cancelled_and_the_top_shows_the_next_one(client, language_cafe, clock):
    cancelled = occurrences_of(language_cafe)[0]
    events.cancel_occurrence(cancelled, reason="Staff meeting", now=clock.now())
    db.session.commit()

    html, found = page(client, language_cafe)
    data = found.json_ld()

    assert data[0]["startDate"] == "2026-06-02T17:00:00+02:00"
    assert data[0]["eventStatus"] == SCHEMA + "EventCancelled"
    assert data[1]["eventStatus"] == SCHEMA + "EventScheduled"
    top = html[html.index('class="next-date"'):html.index('class="share"')]
    assert "Thursday 4 June 2026, 17:00–19:00" in top
    assert "Cancelled on Tuesday 2 June: Staff meeting" in top
    # Previews name the date that takes place.
    assert found.meta["og:description"].startswith("Thursday 4 June 2026")


def test_a_moved_date_is_rescheduled_with_its_previous_start(client, language_cafe, clock):
    moved = occurrences_of(language_cafe)[1]  # Thursday 4 June 17:00, moved to 18:30
    events.move_occurrence(moved, start_at=moved.start_at + timedelta(minutes=90),
                           end_at=moved.end_at + timedelta(minutes=90), venue=None, note="", now=clock.now())
    db.session.commit()

    _html, found = page(client, language_cafe)
    rescheduled = found.json_ld()[1]

    assert rescheduled["eventStatus"] == SCHEMA + "EventRescheduled"
    assert rescheduled["startDate"] == "2026-06-04T18:30:00+02:00"
    assert rescheduled["endDate"] == "2026-06-04T20:30:00+02:00"
    assert rescheduled["previousStartDate"] == "2026-06-04T17:00:00+02:00"
    assert "previousStartDate" not in found.json_ld()[0]


def test_a_cancelled_series_says_so_at_the_top_and_every_date_is_cancelled(client, language_cafe, clock):
    events.cancel_series(language_cafe, reason="No room", now=clock.now())
    db.session.commit()

    html, found = page(client, language_cafe)

    assert {event["eventStatus"] for event in found.json_ld()} == {SCHEMA + "EventCancelled"}
    top = html[html.index('class="next-date"'):html.index('class="share"')]
    assert "This event is cancelled." in top
    assert "Add to calendar" not in top and "Remind me" not in top
    assert found.meta["og:description"] == "This event is cancelled."


def test_an_event_without_venue_has_no_invented_location(client, factory):
    series = factory.series(title="Online-free walk", start_local=datetime(2026, 6, 9, 12, 0), duration_minutes=60,
                            organisation=factory.organisation("Walkers", slug="walkers"))

    _html, found = page(client, series)
    [event] = found.json_ld()

    assert "location" not in event
    assert event["name"] == "Online-free walk"
    assert event["startDate"] == "2026-06-09T12:00:00+02:00" and event["endDate"] == "2026-06-09T13:00:00+02:00"
    assert event["eventStatus"] == SCHEMA + "EventScheduled"
    assert event["eventAttendanceMode"] == SCHEMA + "OfflineEventAttendanceMode"
    assert event["organizer"] == [{"@type": "Organization", "name": "Walkers", "url": f"{BASE}/organisations/walkers"}]
    assert "description" not in event  # none was written
    assert found.meta["og:description"] == "Tuesday 9 June 2026, 12:00–13:00"
    assert found.meta["description"] == "Tuesday 9 June 2026, 12:00–13:00"


def test_an_address_without_postcode_stays_the_street_address(client, factory):
    venue = factory.venue("Library hall", address="Grønland 32")
    series = factory.series(title="Reading", start_local=datetime(2026, 6, 9, 12, 0), duration_minutes=60, venue=venue)

    _html, found = page(client, series)

    assert found.json_ld()[0]["location"]["address"] == {
        "@type": "PostalAddress", "streetAddress": "Grønland 32", "addressCountry": "NO"}


def test_all_day_events_give_dates_without_times(client, factory):
    series = factory.series(title="Festival", start_local=datetime(2026, 6, 12, 0, 0), is_all_day=True, all_day_days=3)

    _html, found = page(client, series)
    [event] = found.json_ld()

    assert (event["startDate"], event["endDate"]) == ("2026-06-12", "2026-06-14")


def test_a_title_with_a_closing_script_tag_cannot_break_out(client, factory):
    title = 'Quiz </script><script>alert("x")</script> & <!-- night'
    series = factory.series(title=title, start_local=datetime(2026, 6, 9, 19, 0), duration_minutes=60)

    html, found = page(client, series)

    [(attrs, raw)] = [(a, t) for a, t in found.scripts if a.get("type") == "application/ld+json"]
    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert found.json_ld()[0]["name"] == title
    # The only scripts on the page are the JSON-LD and our own file: nothing from the title ran out.
    assert [a.get("type") or a.get("src", "").split("?")[0] for a, _t in found.scripts] == [
        "application/ld+json", "/static/share.js"]
    assert "alert" not in "".join(t for a, t in found.scripts if a.get("type") != "application/ld+json")
    assert found.meta["og:title"] == title  # an attribute, escaped by the template
    assert 'content="Quiz &lt;/script&gt;&lt;script&gt;' in html


def test_share_links_carry_the_url_and_title_percent_encoded(client, factory):
    title = "Kids & parents: 100% fun? #1 på Tou"
    series = factory.series(title=title, start_local=datetime(2026, 6, 9, 12, 0), duration_minutes=60)
    url = f"{BASE}/events/{series.id}"

    _html, found = page(client, series)
    email, whatsapp, facebook = (found.anchors[label] for label in
                                 ("Share by email", "Share on WhatsApp", "Share on Facebook"))

    message = f"{title}\nTuesday 9 June 2026, 12:00–13:00\n{url}"
    assert " " not in email + whatsapp + facebook and "+" not in email  # RFC 6068: a space is %20
    assert email.startswith("mailto:?")
    mail = dict(part.split("=", 1) for part in urlsplit(email).query.split("&"))
    assert set(mail) == {"subject", "body"}
    assert (unquote(mail["subject"]), unquote(mail["body"])) == (title, message.replace("\n", "\r\n"))
    assert urlsplit(whatsapp)[:3] == ("https", "wa.me", "/")
    assert parse_qs(urlsplit(whatsapp).query) == {"text": [message]}
    assert urlsplit(facebook)[:3] == ("https", "www.facebook.com", "/sharer/sharer.php")
    assert parse_qs(urlsplit(facebook).query) == {"u": [url]}


def test_the_share_control_offers_the_web_share_api_and_a_link_to_copy(client, language_cafe):
    html, found = page(client, language_cafe)
    url = f"{BASE}/events/{language_cafe.id}"

    # The button stays hidden until share.js finds navigator.share.
    assert f'data-share-url="{url}"' in html and 'class="share-button" hidden' in html
    assert f'<input id="share-url" type="url" value="{url}" readonly' in html
    assert '<label for="share-url">Link to this event</label>' in html
    assert any(attrs.get("src", "").startswith("/static/share.js?v=") for attrs, _t in found.scripts)
    script = client.get("/static/share.js")
    assert script.status_code == 200 and "navigator.share" in script.get_data(as_text=True)
    script.close()


def test_the_next_date_and_its_actions_come_before_the_description(client, language_cafe):
    html, found = page(client, language_cafe)
    first = occurrences_of(language_cafe)[0]

    assert found.order.index("section.next-date") < found.order.index("div.description")
    top = html[html.index('class="next-date"'):html.index('class="description"')]
    assert "Tuesday 2 June 2026, 17:00–19:00" in top and "Sølvberget" in top
    assert found.anchors["Add to calendar"] == f"/events/{language_cafe.id}/dates/{first.id}.ics"
    assert found.anchors["All dates in my calendar"] == f"webcal://ink.example.org/events/{language_cafe.id}.ics"
    assert found.anchors["Remind me"] == f"#reminders-series-{language_cafe.id}-heading"
    assert f"reminders-series-{language_cafe.id}-heading" in found.ids  # the subscribe form it leads to
    for label in ("Add to calendar", "All dates in my calendar", "Remind me"):
        assert top.index(label) > 0
    download = client.get(found.anchors["Add to calendar"])
    assert download.mimetype == "text/calendar"
    download.close()


def test_the_next_date_says_today(client, factory):
    series = factory.series(title="Tonight", start_local=datetime(2026, 6, 2, 19, 0), duration_minutes=60)

    html, _found = page(client, series)

    assert "Today, Tuesday 2 June 2026, 19:00–20:00" in html[html.index('class="next-date"'):]
    # A one-off has no "all dates" feed to offer.
    assert "All dates in my calendar" not in html


def test_a_past_only_event_says_it_is_over(client, factory):
    series = factory.series(title="Spring fair", start_local=datetime(2026, 5, 20, 12, 0), duration_minutes=60)

    html, found = page(client, series)

    top = html[html.index('class="next-date"'):]
    assert "This event is over: its last date was Wednesday 20 May 2026." in top
    assert "Add to calendar" not in html[html.index('class="next-date"'):html.index('class="share"')]
    assert not [a for a, _t in found.scripts if a.get("type") == "application/ld+json"]  # nothing coming
    assert found.meta["og:description"] == "No upcoming dates."


def test_a_draft_preview_is_neither_shared_nor_indexed(client, auth, factory):
    organisation = factory.organisation()
    draft = factory.series(title="Planning", organisation=organisation, status=SeriesStatus.DRAFT,
                           start_local=datetime(2026, 6, 9, 12, 0))
    factory.user("editor@example.org", editor_of=[organisation])
    auth.login("editor@example.org")

    html, found = page(client, draft)

    assert found.meta.get("robots") == "noindex"
    assert "og:title" not in found.meta and "canonical" not in found.links
    assert not [a for a, _t in found.scripts if a.get("type") == "application/ld+json"]
    assert 'class="share"' not in html
    assert 'class="next-date"' in html  # the editor still sees when it is


def test_sharing_in_bokmal(client, language_cafe):
    client.set_cookie(LANGUAGE_COOKIE, "nb")

    html, found = page(client, language_cafe)

    assert found.meta["og:locale"] == "nb_NO"
    assert found.meta["og:description"] == "tirsdag 2. juni 2026 kl. 17:00–19:00 · Sølvberget, Sølvberggata 2, 4006 Stavanger"
    for label in ("Del på e-post", "Del på WhatsApp", "Del på Facebook", "Legg til i kalenderen", "Minn meg på"):
        assert label in found.anchors, label
    assert "Neste dato" in html and "Lenke til dette arrangementet" in html
    assert "Share" not in html.replace("data-share", "").replace("share-", "")
    # Data for machines stays language-neutral.
    assert found.json_ld()[0]["eventStatus"] == SCHEMA + "EventScheduled"
