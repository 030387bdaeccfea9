"""The coordinators' outbox page: translated kinds, statuses, notes and counters; a Subject column."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from ink.events.models import Occurrence
from ink.extensions import db
from ink.reminders.models import MessageKind, MessageStatus, OutboxMessage
from ink.reminders.heartbeat import beat
from ink.reminders.labels import KIND_LABELS, REASON_LABELS, STATUS_LABELS, tick_counts
from tests.reminders.conftest import subscribe_and_confirm


class _Text(HTMLParser):
    """The page's visible text (no tags, attributes, scripts or styles)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def outbox_rows(factory, clock):  # type: ignore[no-untyped-def]
    """A row of every kind and every status, for Bokmål readers, plus two English ones."""
    series = factory.series(title="Café", start_local=datetime(2026, 6, 4, 17, 0))
    occ_id = db.session.scalars(sa.select(Occurrence.id).where(Occurrence.series_id == series.id)).first()
    statuses = list(MessageStatus)
    rows = []
    for number, kind in enumerate(MessageKind):
        payload = {"change": "cancelled", "title": "Café"} if kind == MessageKind.CHANGE_NOTICE else {}
        rows.append(OutboxMessage(
            kind=kind.value, ref=f"test:{number}", recipient=f"nb{number}@example.org", locale="nb",
            occurrence_id=occ_id, payload=payload, status=statuses[number % len(statuses)],
            due_at=clock.now(), attempts=number % 3, created_at=clock.now(),
        ))
    for number, reason in enumerate(REASON_LABELS):
        rows.append(OutboxMessage(
            kind=MessageKind.REMINDER.value, ref=f"skip:{number}", recipient=f"skip{number}@example.org", locale="nb",
            occurrence_id=occ_id, payload={}, status=MessageStatus.SKIPPED, due_at=clock.now(), attempts=0,
            last_error=reason, created_at=clock.now(),
        ))
    db.session.add_all(rows)
    db.session.commit()
    beat(clock.now() - timedelta(minutes=1), "planned 2; sent 1, skipped 0, retry later 0, failed 1")
    return series


def _page(client, factory, auth, lang: str, query: str = "") -> str:  # type: ignore[no-untyped-def]
    factory.coordinator()
    auth.login("coordinator@example.org")
    client.post("/language", data={"lang": lang, "next": "/"})
    response = client.get("/manage/outbox" + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_bokmal_outbox_shows_no_english_label_of_ours(client, factory, auth, outbox_rows):  # type: ignore[no-untyped-def]
    text = _visible_text(_page(client, factory, auth, "nb"))
    english = (
        list(KIND_LABELS.values()) + list(STATUS_LABELS.values()) + list(REASON_LABELS.values())
        + list(REASON_LABELS)  # the stored notes themselves
        + [kind.value for kind in MessageKind]
        # The stored status values, except two that are Bokmål words too ("under sending", "for sent").
        + [status.value for status in MessageStatus if status.value not in ("sending", "sent")]
        + ["Outbox", "Kind", "Subject", "Recipient", "Due", "Attempts", "Last error", "All", "Messages",
           "messages", "message", "planned", "retry later", "The scheduler last ran", "Reminder:", "Cancelled:",
           "Please confirm", "How many came", "Tomorrow:", "What needs attention", "The coming week"]
    )
    found = [label for label in english if re.search(rf"(?<![\w@.]){re.escape(label)}(?![\w@])", text)]
    assert found == []
    # What is shown instead, in Bokmål.
    for label in ("Påminnelse: Café", "Avlyst: Café", "Venter", "Hoppet over", "Emne", "Mottaker",
                  "2 meldinger planlagt", "1 mislyktes", "Datoen ble avlyst."):
        assert label in text, label


def test_subject_column_as_the_recipient_sees_it(client, factory, auth, clock, smtp_server, outbox_rows):  # type: ignore[no-untyped-def]
    english = OutboxMessage(kind=MessageKind.REMINDER.value, ref="en:1", recipient="en@example.org", locale="en",
                            occurrence_id=outbox_rows.occurrences[0].id, payload={}, status=MessageStatus.PENDING,
                            due_at=clock.now(), attempts=0, created_at=clock.now())
    db.session.add(english)
    db.session.commit()
    # A message really sent keeps the subject it went out with.
    subscribe_and_confirm(client, smtp_server, clock, "resident@example.org", f"/subscribe/series/{outbox_rows.id}")
    sent = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == "resident@example.org",
                                                             OutboxMessage.kind == MessageKind.CONFIRM.value))
    assert sent.status == MessageStatus.SENT and sent.payload["subject"] == smtp_server.handler.to("resident@example.org")[0].subject
    html = _page(client, factory, auth, "nb")
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    by_recipient = {}
    for row in rows:
        cells = [_visible_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) == 7:
            by_recipient[cells[2]] = cells
    assert by_recipient["en@example.org"][1] == "Reminder: Café"  # the recipient's language, not the reader's
    assert by_recipient["resident@example.org"][1] == "Please confirm your subscription"
    assert by_recipient["nb0@example.org"][1] == "Bekreft abonnementet ditt"
    assert ">Emne</th>" in html


def test_status_filter_marks_the_current_one_and_counts(client, factory, auth, outbox_rows):  # type: ignore[no-untyped-def]
    html = _page(client, factory, auth, "en", "?status=skipped")
    assert re.search(r'<a href="/manage/outbox\?status=skipped" aria-current="page">Skipped\s*'
                     r'<span class="count">\d+ messages</span>', html)
    text = _visible_text(html)
    assert "Messages: Skipped" in text
    # The table scrolls in its own labelled, focusable region.
    assert re.search(r'<div class="table-scroll" role="region" aria-labelledby="outbox-caption" tabindex="0">', html)


def test_tick_counts_read_the_scheduler_summary() -> None:
    assert tick_counts("planned 2; sent 1, skipped 0, retry later 3, failed 1") == {
        "planned": 2, "sent": 1, "skipped": 0, "retried": 3, "failed": 1}
    assert tick_counts("last tick failed (see the scheduler's log)") is None
