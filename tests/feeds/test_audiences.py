"""Audiences are a controlled set in filters, feeds, the API and the subscribe page; a filtered
feed is named from its filter, in the feed's language (issue #8)."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from icalendar import Calendar

from ink.events.models import Audience, EventSeries
from ink.extensions import db


@pytest.fixture
def audiences(factory):  # type: ignore[no-untyped-def]
    topic = factory.topics()[0]
    kids = factory.series(title="Story time", organisation=factory.organisation("Library"), topics=[topic],
                          languages=["pl"], audiences=[Audience.CHILDREN, Audience.FAMILIES],
                          audience_note="Everyone welcome, bring a grown-up")
    women = factory.series(title="Women's swim", audiences=[Audience.WOMEN], languages=["ar"],
                           start_local=datetime(2026, 6, 4, 18, 0))
    factory.series(title="No audience", start_local=datetime(2026, 6, 5, 18, 0))
    return {"kids": kids.uid, "women": women.uid, "topic": topic.slug, "topic_name": topic.name}


def _summaries(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.data
    return {str(event["SUMMARY"]) for event in Calendar.from_ical(response.data).walk("VEVENT")}


def test_audience_filter_uses_the_controlled_values(client, audiences) -> None:  # type: ignore[no-untyped-def]
    assert _summaries(client.get("/calendar.ics?audience=families")) == {"Story time"}
    assert _summaries(client.get("/calendar.ics?audience=children&audience=women")) == {"Story time", "Women's swim"}
    # the free-text note is not a filter value any more
    assert client.get("/calendar.ics?audience=everyone%20welcome").status_code == 400
    api = client.get("/api/v1/occurrences?start=2026-06-01&end=2026-06-07&audience=women").get_json()
    assert [(item["title"], item["audiences"]) for item in api] == [("Women's swim", ["women"])]


@pytest.mark.parametrize("path", ["/calendar.ics?audience=martians",
                                  "/api/v1/occurrences?start=2026-06-01&end=2026-06-07&audience=martians"])
def test_unknown_audience_is_a_400_naming_the_parameter(client, audiences, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 400
    assert b"Unknown audience: martians." in response.data


def test_subscribe_page_offers_the_audience_labels_in_use(client, audiences) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/subscribe").data.decode()
    for value in ("children", "families", "women"):
        assert f'name="audience" value="{value}"' in page
    assert 'value="seniors"' not in page and "bring a grown-up" not in page
    norsk = client.get("/subscribe", headers={"Accept-Language": "nb"}).data.decode()
    assert "Kvinner" in norsk and "Barn" in norsk
    assert client.get("/subscribe?audience=martians").status_code == 422


def _name(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.data
    return str(Calendar.from_ical(response.data)["X-WR-CALNAME"])


def test_a_filtered_feed_is_named_from_its_filter_in_its_language(client, audiences) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/calendar.ics?audience=children&language=pl")
    assert _name(response) == "INK Events: Children, Polish"
    assert str(Calendar.from_ical(response.data)["NAME"]) == "INK Events: Children, Polish"
    assert response.headers["Content-Disposition"] == 'inline; filename="ink-events-children-pl.ics"'
    assert _name(client.get("/calendar.ics?audience=children&language=pl&lang=nb")) == "INK Events: Barn, polsk"
    named = _name(client.get(f"/calendar.ics?organisation=library&topic={audiences['topic']}&audience=women"))
    assert named == f"INK Events: Library, {audiences['topic_name']}, Women"
    assert _name(client.get("/calendar.ics")) == "INK Events"


def test_series_form_saves_audiences_and_the_note(client, auth, factory) -> None:  # type: ignore[no-untyped-def]
    from tests.events.manage_helpers import series_form

    organisation = factory.organisation("Form club")
    factory.user("ed@example.org", editor_of=[organisation])
    auth.login("ed@example.org")
    data = series_form(organisation, audiences=["seniors", "newcomers"], audience_note="Coffee for everyone")
    response = client.post("/manage/series/new", data=data)
    assert response.status_code == 302, response.data
    series = db.session.scalars(db.select(EventSeries).where(EventSeries.title == data["title"])).one()
    assert series.audiences == [Audience.SENIORS, Audience.NEWCOMERS] and series.audience_note == "Coffee for everyone"
    edit = client.get(f"/manage/series/{series.id}/edit").data.decode()
    inputs = re.findall(r'<input[^>]*name="audiences"[^>]*>', edit)
    ticked = {re.search(r'value="(\w+)"', tag).group(1) for tag in inputs if " checked" in tag}
    assert {"seniors", "newcomers"} <= ticked and "women" not in ticked, ticked


def test_drop_in_filter_and_its_name(client, factory) -> None:  # type: ignore[no-untyped-def]
    factory.series(title="Open door", is_drop_in=True, audiences=[Audience.EVERYONE])
    factory.series(title="Booked course", audiences=[Audience.EVERYONE])
    response = client.get("/calendar.ics?dropin=1&audience=everyone")
    assert _summaries(response) == {"Open door"}
    assert _name(response) == "INK Events: Everyone, drop-in"
    assert response.headers["Content-Disposition"] == 'inline; filename="ink-events-everyone-drop-in.ics"'
    assert _name(client.get("/calendar.ics?dropin=1&audience=everyone&lang=nb")) == "INK Events: Alle, drop-in"
    assert client.get("/calendar.ics?dropin=maybe").status_code == 400
    page = client.get("/subscribe?dropin=1").data.decode()
    assert "https://ink.example.org/calendar.ics?dropin=1" in page
