"""Feeds in the reader's language (issue 12): ``?lang=pl`` gives the Polish version's SUMMARY and
DESCRIPTION (LANGUAGE=pl), read back by the calendar libraries the feed tests use; the original
otherwise; a version change changes the ETag and the bytes, nothing else does; SEQUENCE stays (a text
edit, as for the original's title)."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from ink.events.models import SeriesTextVersion
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.organisations import text_versions

NOW = datetime(2026, 6, 2, 10, 0, tzinfo=timezone.utc)
POLISH = {"title": "Kawiarnia językowa", "description_html": "<p>Ćwicz norweski przy kawie.</p>",
          "audience_note": ""}


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"LANGUAGES": ("en", "nb", "pl")}


@pytest.fixture
def cafe(factory):  # type: ignore[no-untyped-def]
    series = factory.series(title="Språkkafé", original_language="nb", description_html="<p>Øv på norsk.</p>",
                            recurrence=Recurrence(freq="weekly"), start_local=datetime(2026, 6, 3, 18, 0))
    text_versions.add_text_version(series, SeriesTextVersion, "pl", POLISH, now=NOW)
    db.session.commit()
    return series


def test_a_polish_feed_reads_back_in_polish(client, cafe) -> None:
    body = client.get("/calendar.ics?lang=pl").get_data()
    assert b"SUMMARY;LANGUAGE=pl:Kawiarnia j" in body
    start = datetime(2026, 6, 1, tzinfo=timezone.utc)
    end = datetime(2026, 7, 1, tzinfo=timezone.utc)
    events = recurring_ical_events.of(Calendar.from_ical(body)).between(start, end)
    assert events and {str(event["SUMMARY"]) for event in events} == {"Kawiarnia językowa"}
    assert all("Ćwicz norweski przy kawie." in str(event["DESCRIPTION"]) for event in events)
    assert events[0]["SUMMARY"].params["LANGUAGE"] == "pl"
    strict = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    found = list(strict.timeline_tz(ZoneInfo("Europe/Oslo")).overlapping(start, end))
    assert found and {event.summary for event in found} == {"Kawiarnia językowa"}


def test_other_languages_get_the_original_marked_with_its_language(client, cafe) -> None:
    body = client.get("/calendar.ics").get_data()
    assert b"SUMMARY;LANGUAGE=nb:Spr" in body and b"Kawiarnia" not in body
    single = client.get(f"/events/{cafe.id}.ics?lang=pl").get_data()
    assert b"SUMMARY;LANGUAGE=pl:Kawiarnia j" in single


def test_a_version_change_changes_the_feed_and_nothing_else_does(client, cafe) -> None:
    first = client.get("/calendar.ics?lang=pl")
    again = client.get("/calendar.ics?lang=pl")
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    sequence = cafe.sequence
    version = cafe.text_versions[0]
    text_versions.update_text_version(cafe, version, {**POLISH, "title": "Kawiarnia języków"}, now=NOW)
    db.session.commit()
    changed = client.get("/calendar.ics?lang=pl")
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert "Kawiarnia języków".encode() in changed.get_data()
    assert f"SEQUENCE:{sequence}".encode() in changed.get_data()
    assert client.get("/calendar.ics?lang=pl").get_data() == changed.get_data()


def test_a_series_without_versions_has_no_language_parameter(client, factory) -> None:
    factory.series(title="Chess club", recurrence=Recurrence(freq="weekly"), start_local=datetime(2026, 6, 3, 18, 0))
    body = client.get("/calendar.ics").get_data()
    assert b"SUMMARY:Chess club" in body and b"LANGUAGE=" not in body


def test_atom_embed_and_print_use_the_version(client, cafe) -> None:
    atom = client.get("/feed.atom?lang=pl").get_data(as_text=True)
    assert "Kawiarnia językowa" in atom and "Ćwicz norweski" in atom
    assert "Kawiarnia" not in client.get("/feed.atom").get_data(as_text=True)
    embed = client.get("/embed?lang=pl").get_data(as_text=True)
    assert 'lang="pl" dir="auto">Kawiarnia językowa</a>' in embed
    printed = client.get("/print", headers={"Accept-Language": "pl"}).get_data(as_text=True)
    assert 'lang="pl" dir="auto">Kawiarnia językowa</strong>' in printed


def test_the_api_returns_the_original_language_and_every_version(client, cafe) -> None:
    response = client.get("/api/v1/occurrences?start=2026-06-01&end=2026-06-30")
    assert response.status_code == 200
    [first, *_rest] = response.get_json()["occurrences"] if isinstance(response.get_json(), dict) else response.get_json()
    assert first["original_language"] == "nb" and first["title"] == "Språkkafé"
    assert set(first["texts"]) == {"nb", "pl"}
    assert first["texts"]["pl"]["title"] == "Kawiarnia językowa"
    assert first["texts"]["nb"]["description_html"] == "<p>Øv på norsk.</p>"
