"""A real SMTP server (aiosmtpd) per test, and helpers to subscribe and run the outbox."""
from __future__ import annotations

from flask_babel import force_locale, gettext

import asyncio
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from ink.extensions import db


@dataclass
class Received:
    peer: Any
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


@dataclass
class SMTPRecorder:
    """aiosmtpd handler: records what it accepts; can refuse (4xx/5xx) or hold messages."""

    received: list[Received] = field(default_factory=list)
    fail_next: int = 0
    fail_reply: str = "451 4.3.0 Please try again later"
    reject_reply: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.reject_reply:
                return self.reject_reply
            if self.fail_next > 0:
                self.fail_next -= 1
                return self.fail_reply
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            self.received.append(Received(session.peer, envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def subjects(self, address: str) -> list[str]:
        return [r.subject for r in self.to(address)]


class SMTPServer:
    def __init__(self) -> None:
        self.handler = SMTPRecorder()
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[Received]:
        return self.handler.received


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()
        asyncio.set_event_loop(None)


@pytest.fixture
def app_config(smtp_server: SMTPServer, tmp_path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "MAIL_BACKEND": "smtp", "MAIL_HOST": "127.0.0.1", "MAIL_PORT": smtp_server.port,
        "MAIL_FROM": "INK Events <no-reply@ink.example.org>",
        "SCHEDULER_LOCK_FILE": str(tmp_path / "scheduler.lock"), "MAIL_DIRECTORY": str(tmp_path / "mail"),
        "MAIL_RECONNECT_DELAYS": (0.01, 0.02),  # tests need not wait seconds for a relay that stays down
    }


def run_outbox(now) -> Any:  # type: ignore[no-untyped-def]
    """One scheduler tick's work: plan, then send."""
    from ink.reminders.dispatch import dispatch_due
    from ink.reminders.planning import plan_due_messages

    plan_due_messages(now)
    return dispatch_due(now)


LINK = re.compile(r"https://ink\.example\.org(/\S+)")


def link_in(received: Received, fragment: str) -> str:
    """The path of the first link in a message's text containing ``fragment``."""
    for match in LINK.finditer(received.text):
        if fragment in match.group(1):
            return match.group(1)
    raise AssertionError(f"no link with {fragment!r} in:\n{received.text}")


def subscribe_and_confirm(client, smtp: SMTPServer, clock, email: str, path: str, **data: Any) -> None:  # type: ignore[no-untyped-def]
    """Subscribe through the form, receive the confirmation email, follow its link and press the button."""
    form = {"email": email, "locale": "en", "offset_minutes": "1440", "consent": "y"} | data
    response = client.post(path, data=form)
    assert response.status_code == 302, response.data
    run_outbox(clock.now())
    confirmation = smtp.handler.to(email.strip().lower())[-1]
    expected = {"en": "please confirm your subscription", "nb": "bekreft abonnementet ditt"}.get(form["locale"])
    if expected is None:  # a language whose catalogue the test does not know by heart
        with force_locale(form["locale"]):
            expected = gettext("Please confirm your subscription").lower()
    assert confirmation.subject.lower() == expected  # in the subscriber's language
    confirm_path = link_in(confirmation, "/subscriptions/confirm/")
    assert client.post(confirm_path).status_code == 302
    db.session.remove()
