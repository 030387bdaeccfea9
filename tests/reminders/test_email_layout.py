"""How emails read, checked in the messages the SMTP server actually received: plain text with each part
on its own line, HTML that suits a phone without loading anything, a footer that starts with a link, and
"Today" / "Tomorrow" only when it is so on the network's calendar."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from ink.extensions import db
from ink.reminders.heartbeat import beat
from tests.reminders.conftest import Received, run_outbox, subscribe_and_confirm

UTC = timezone.utc


def _html(received: Received) -> str:
    body = received.message.get_body(preferencelist=("html",))
    assert body is not None
    return body.get_content()


def _footer_text(received: Received) -> str:
    """The visible text of the HTML footer: the paragraph after the rule."""
    footer = _html(received).split("<hr", 1)[1].split(">", 1)[1]
    return re.sub(r"<[^>]+>", "", footer.split("</p>", 1)[0]).strip()


def test_plain_text_reminder_has_the_time_and_the_venue_on_their_own_lines(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    venue = factory.venue("Sølvberget", address="Sølvberggata 2")
    series = factory.series(title="Språkkafé", start_local=datetime(2026, 6, 4, 17, 0), venue=venue)
    subscribe_and_confirm(client, smtp_server, clock, "ola@example.org", f"/subscribe/series/{series.id}")
    clock.set(datetime(2026, 6, 3, 15, 0, tzinfo=UTC))  # 24 hours before 17:00 Oslo
    run_outbox(clock.now())

    reminder = smtp_server.handler.to("ola@example.org")[-1]
    lines = reminder.text.replace("\r\n", "\n").split("\n")
    assert reminder.subject == "Reminder: Språkkafé"
    assert lines[:4] == ["Reminder: Språkkafé", "", "Tomorrow, Thursday 4 June, 17:00–19:00",
                         "Sølvberget, Sølvberggata 2"]
    assert "\n\n\n" not in reminder.text.replace("\r\n", "\n")  # no stray empty lines where a part is missing
    footer = reminder.text.replace("\r\n", "\n").split("\n--\n", 1)[1].split("\n")
    assert [line.split(":", 1)[0] for line in footer if line] == [
        "Unsubscribe from these emails", "Manage your subscriptions", "INK Events"]


def test_html_suits_a_phone_loads_nothing_and_its_footer_starts_with_a_link(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Kite club")
    factory.user("editor@example.org", editor_of=[organisation])
    series = factory.series(title="Kite festival", organisation=organisation, start_local=datetime(2026, 6, 10, 12, 0))
    subscribe_and_confirm(client, smtp_server, clock, "kari@example.org", f"/subscribe/series/{series.id}")
    clock.set(datetime(2026, 6, 9, 8, 0, tzinfo=UTC))  # the editor's reminder (10:00 the day before) and the resident's
    run_outbox(clock.now())
    clock.set(datetime(2026, 6, 9, 10, 0, tzinfo=UTC))
    run_outbox(clock.now())

    confirm, reminder = smtp_server.handler.to("kari@example.org")
    organiser = smtp_server.handler.to("editor@example.org")[-1]
    for received in (confirm, reminder, organiser):
        html = _html(received)
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        assert 'style="' in html  # inline styling, which mail clients keep
        assert re.search(r"<link\b|<img\b|<script\b|src=|url\(|@import", html) is None  # nothing loaded from outside
        footer = _footer_text(received)
        assert not footer.startswith("·") and not footer.endswith("·") and "·  ·" not in footer
    assert _footer_text(confirm) == "INK Events"
    assert _footer_text(organiser) == "Unsubscribe from these emails · INK Events"
    assert _footer_text(reminder) == "Unsubscribe from these emails · Manage your subscriptions · INK Events"


def test_organiser_reminder_says_today_or_tomorrow_by_the_local_calendar(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Kite club")
    editor = factory.user("editor@example.org", editor_of=[organisation])
    editor.locale = "nb"
    db.session.commit()
    # The clock stands at 10:00 UTC (12:00 Oslo) on Tuesday 2 June 2026.
    factory.series(title="Dragedag", organisation=organisation, start_local=datetime(2026, 6, 2, 18, 0))
    # 00:30 Oslo on 3 June is still 2 June in UTC, but tomorrow for the organiser.
    factory.series(title="Nattkino", organisation=organisation, start_local=datetime(2026, 6, 3, 0, 30))
    factory.series(title="Vårfest", organisation=organisation, start_local=datetime(2026, 6, 4, 18, 0))
    run_outbox(clock.now())
    clock.set(datetime(2026, 6, 3, 8, 0, tzinfo=UTC))
    run_outbox(clock.now())

    received = {r.subject: r for r in smtp_server.handler.to("editor@example.org")
                if str(r.message["Message-ID"]).startswith("<ink.organiser_reminder.")}
    assert sorted(received) == ["I dag: Dragedag", "I morgen: Nattkino", "I morgen: Vårfest"]
    assert "I dag, tirsdag 2. juni kl. 18:00–20:00" in received["I dag: Dragedag"].text
    assert "I morgen, onsdag 3. juni kl. 00:30–02:30" in received["I morgen: Nattkino"].text


def test_a_reminder_a_week_ahead_names_the_day(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(title="Språkkafé", start_local=datetime(2026, 6, 11, 17, 0))
    subscribe_and_confirm(client, smtp_server, clock, "ola@example.org", f"/subscribe/series/{series.id}",
                          offset_minutes="10080")
    clock.set(datetime(2026, 6, 4, 15, 0, tzinfo=UTC) + timedelta(minutes=1))
    run_outbox(clock.now())

    reminder = smtp_server.handler.to("ola@example.org")[-1]
    assert reminder.subject == "Reminder: Språkkafé"
    assert "\nThursday 11 June, 17:00–19:00\n" in reminder.text.replace("\r\n", "\n")
    assert "Tomorrow" not in reminder.text and "Today" not in reminder.text


def test_coordinator_summary_tells_of_a_scheduler_gap_not_of_a_stop(factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.coordinator()
    monday = datetime(2026, 6, 8, 5, 0, tzinfo=UTC)  # 07:00 Oslo
    beat(datetime(2026, 6, 5, 14, 0, tzinfo=UTC), "planned 0")  # last ran Friday 16:00 Oslo, then stopped
    clock.set(monday)
    run_outbox(clock.now())
    next_monday = monday + timedelta(weeks=1)
    beat(next_monday - timedelta(minutes=1), "planned 0")  # running without a break
    clock.set(next_monday)
    run_outbox(clock.now())

    after_gap, running = smtp_server.handler.to("coordinator@example.org")
    assert after_gap.subject == running.subject == "What needs attention this week"
    assert ("The scheduler did not run from 5 Jun 2026, 16:00 until this message was sent: "
            "messages due in that time went out late or not at all.") in after_gap.text.replace("\r\n", " ")
    assert "scheduler" not in running.text.lower()
    for received in (after_gap, running):
        assert "looks stopped" not in received.text and "looks stopped" not in _html(received)


def test_coordinator_summary_on_a_first_start_has_no_scheduler_warning(factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.coordinator()
    clock.set(datetime(2026, 6, 8, 5, 0, tzinfo=UTC))
    run_outbox(clock.now())

    summary = smtp_server.handler.to("coordinator@example.org")[-1]
    assert "scheduler" not in summary.text.lower() and "scheduler" not in _html(summary).lower()


@pytest.mark.parametrize("language, direction", [("ar", "rtl"), ("pl", "ltr")])
def test_an_emails_html_carries_the_readers_writing_direction(app, client, factory, clock, smtp_server,
                                                               language: str, direction: str) -> None:  # type: ignore[no-untyped-def]
    app.config["LANGUAGES"] = ("en", "nb", "pl", "ar")
    series = factory.series(title="Språkkafé", start_local=datetime(2026, 6, 4, 17, 0))
    subscribe_and_confirm(client, smtp_server, clock, "amal@example.org", f"/subscribe/series/{series.id}",
                          locale=language)
    clock.set(datetime(2026, 6, 3, 15, 0, tzinfo=UTC))
    run_outbox(clock.now())
    for received in smtp_server.handler.to("amal@example.org"):
        html = _html(received)
        assert re.search(rf'<html lang="{language}" dir="{direction}">', html), html[:200]
        assert f'<div dir="{direction}"' in html
