"""The weekly digest is written out once per batch and language and filled in for each recipient
(ink/reminders/mail.py MessageTemplate): each message must be, byte for byte, the message the general
way builds, apart from what is the recipient's own (address, Message-ID, links, MIME boundaries)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from email import message_from_bytes, policy
from typing import Any

import sqlalchemy as sa

from ink.extensions import db
from ink.reminders.models import OutboxMessage
from tests.reminders.conftest import run_outbox, subscribe_and_confirm

UTC = timezone.utc
DIGEST_AT = datetime(2026, 6, 8, 5, 0, tzinfo=UTC)  # Monday 07:00 in Oslo
SUBJECTS = {"The coming week at INK Events", "Den kommende uken på INK Events"}


class Raw:
    """Records the bytes of each message as they arrived, before the recorder parses them."""

    def __init__(self, recorder: Any) -> None:
        self.recorder, self.messages = recorder, []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos[0], bytes(envelope.original_content or envelope.content)))
        return str(await self.recorder.handle_DATA(server, session, envelope))


def _digests(client, factory, clock, smtp_server, subscribers: dict[str, str]) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    factory.series(title="Språkkafé «Ung»", start_local=datetime(2026, 6, 10, 18, 0))
    for email, locale in subscribers.items():
        subscribe_and_confirm(client, smtp_server, clock, email, "/subscribe/digest", locale=locale)
    raw = Raw(smtp_server.handler)
    smtp_server.controller.handler = raw
    try:
        clock.set(DIGEST_AT)
        assert run_outbox(clock.now()).sent == len(subscribers)
    finally:
        smtp_server.controller.handler = smtp_server.handler
    digests = {}
    for recipient, data in raw.messages:
        if str(message_from_bytes(data, policy=policy.default)["Subject"]) in SUBJECTS:
            digests[recipient] = data
    assert set(digests) == set(subscribers)
    return digests


def _own_parts(data: bytes, recipient: str) -> bytes:
    """The message with what is the recipient's own replaced by fixed text."""
    message = message_from_bytes(data, policy=policy.default)
    for part in message.walk():
        if part.is_multipart():
            data = data.replace(str(part.get_boundary()).encode(), b"BOUNDARY")
    data = re.sub(rb"/subscriptions/(unsubscribe|manage)/[A-Za-z0-9_.\-]+", rb"/subscriptions/\1/TOKEN", data)
    data = re.sub(rb"<ink\.digest\.\d+@", b"<ink.digest.ID@", data)
    return data.replace(recipient.encode(), b"RECIPIENT")


def test_a_digest_filled_in_is_the_message_built_in_full(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    """An address that is not plain (the apostrophe) always goes the general way; the plain ones after
    the first of each language are filled in from the template. All come out the same."""
    subscribers = {"ann@example.org": "en", "bo@example.org": "en", "o'hara@example.org": "en",
                   "per@example.org": "nb", "kari@example.org": "nb"}
    digests = _digests(client, factory, clock, smtp_server, subscribers)
    english = {_own_parts(digests[email], email) for email, locale in subscribers.items() if locale == "en"}
    bokmaal = {_own_parts(digests[email], email) for email, locale in subscribers.items() if locale == "nb"}
    assert len(english) == 1 and len(bokmaal) == 1
    assert english != bokmaal
    [text] = english
    assert b"ink-slot-" not in text and b"ink-link-" not in text
    assert text.count(b"/subscriptions/unsubscribe/TOKEN") >= 3  # header, text, HTML


def test_each_filled_in_digest_has_its_own_envelope_message_id_and_boundary(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    subscribers = {f"reader{n}@example.org": "en" for n in range(4)}
    digests = _digests(client, factory, clock, smtp_server, subscribers)
    rows = dict(db.session.execute(sa.select(OutboxMessage.recipient, OutboxMessage.id)
                                   .where(OutboxMessage.kind == "digest")).tuples().all())
    boundaries = set()
    for email, data in digests.items():
        message = message_from_bytes(data, policy=policy.default)
        assert message["To"] == email
        assert message["Message-ID"] == f"<ink.digest.{rows[email]}@ink.example.org>"
        boundaries.add(message.get_boundary())
        [text, html] = [message.get_body(preferencelist=(kind,)).get_content() for kind in ("plain", "html")]
        assert "Språkkafé «Ung»" in text and "Språkkafé «Ung»" in html
        # The links are the recipient's: the manage page they open names this address.
        manage = re.search(r"https://ink\.example\.org(/subscriptions/manage/\S+)", text)
        assert manage is not None and f'{manage.group(1)}"' in html
        assert email in client.get(manage.group(1)).get_data(as_text=True)
    assert len(boundaries) == len(digests)
