"""Reminders and digests use the subscriber's stored language's version of an event's texts (issue 12),
else the original: emails received through the aiosmtpd fixture."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ink.events import service
from ink.events.models import SeriesTextVersion
from ink.extensions import db
from ink.organisations import text_versions
from tests.reminders.conftest import run_outbox, subscribe_and_confirm

UTC = timezone.utc
START = datetime(2026, 6, 4, 16, 0, tzinfo=UTC)  # Thursday 4 June 2026, 18:00 Oslo
DUE = START - timedelta(hours=24)
DIGEST_AT = datetime(2026, 6, 8, 5, 0, tzinfo=UTC)  # Monday 8 June 2026, 07:00 Oslo
NOW = datetime(2026, 6, 2, 10, 0, tzinfo=UTC)
BOKMAL = {"title": "Språkkafé", "description_html": "<p>Øv på norsk over en kopp kaffe.</p>", "audience_note": ""}


def _cafe(factory, start_local: datetime):  # type: ignore[no-untyped-def]
    series = factory.series(title="Language café", original_language="en", start_local=start_local,
                            description_html="<p>Practise Norwegian over coffee.</p>")
    text_versions.add_text_version(series, SeriesTextVersion, "nb", BOKMAL, now=NOW)
    db.session.commit()
    return series.id


def test_a_reminder_is_in_the_subscribers_language_version(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series_id = _cafe(factory, datetime(2026, 6, 4, 18, 0))
    subscribe_and_confirm(client, smtp_server, clock, "nb@example.org", f"/subscribe/series/{series_id}", locale="nb")
    subscribe_and_confirm(client, smtp_server, clock, "en@example.org", f"/subscribe/series/{series_id}")
    clock.set(DUE)
    for _ in range(3):
        run_outbox(clock.now())
        clock.advance(minutes=1)
    [norwegian] = [r for r in smtp_server.handler.to("nb@example.org") if "Språkkafé" in r.subject]
    assert "Øv på norsk over en kopp kaffe." in norwegian.message.as_string() or "Språkkafé" in norwegian.text
    ics = [part.get_content() for part in norwegian.message.iter_attachments()
           if part.get_content_type() == "text/calendar"]
    assert ics and "SUMMARY:Språkkafé" in ics[0]
    english = [r.subject for r in smtp_server.handler.to("en@example.org")]
    assert "Reminder: Language café" in english and not any("Språkkafé" in subject for subject in english)


def test_a_digest_lists_titles_in_the_subscribers_language(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    _cafe(factory, datetime(2026, 6, 10, 18, 0))
    subscribe_and_confirm(client, smtp_server, clock, "nb@example.org", "/subscribe/digest", locale="nb")
    subscribe_and_confirm(client, smtp_server, clock, "en@example.org", "/subscribe/digest")
    clock.set(DIGEST_AT)
    for _ in range(3):
        run_outbox(clock.now())
        clock.advance(hours=6)
    [norwegian] = [r for r in smtp_server.handler.to("nb@example.org") if "Språkkafé" in r.text]
    assert "Språkkafé" in norwegian.text and "Language café" not in norwegian.text
    assert 'lang="nb" dir="auto">Språkkafé</a>' in norwegian.message.get_body(preferencelist=("html",)).get_content()
    [english] = [r for r in smtp_server.handler.to("en@example.org") if r.subject == "The coming week at INK Events"]
    assert "Language café" in english.text and "Språkkafé" not in english.text


def test_a_cancellation_notice_names_the_event_in_the_subscribers_language(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series_id = _cafe(factory, datetime(2026, 6, 4, 18, 0))
    subscribe_and_confirm(client, smtp_server, clock, "nb@example.org", f"/subscribe/series/{series_id}", locale="nb")
    subscribe_and_confirm(client, smtp_server, clock, "en@example.org", f"/subscribe/series/{series_id}")
    series = service.get_series(series_id)
    first = min(series.occurrences, key=lambda occ: occ.start_at)
    service.cancel_occurrence(first, reason="", now=clock.now())
    db.session.commit()
    for _ in range(3):
        run_outbox(clock.now())
        clock.advance(minutes=1)
    norwegian = [r.subject for r in smtp_server.handler.to("nb@example.org")]
    english = [r.subject for r in smtp_server.handler.to("en@example.org")]
    assert any("Språkkafé" in subject for subject in norwegian[1:]), norwegian
    assert any("Language café" in subject for subject in english[1:]) and not any("Språkkafé" in s for s in english)
