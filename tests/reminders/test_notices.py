"""Notices (ink/notices.py): any domain's transactional email goes through the outbox exactly once,
in the recipient's language, its context made at sending time (None skips it)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask_babel import gettext

from ink.core.errors import N_
from ink.extensions import db
from ink.notices import queue_notice, register_notice
from ink.reminders.models import MessageStatus, OutboxMessage
from tests.reminders.conftest import run_outbox

WITHDRAWN: set[str] = set()


def _context(payload: Mapping[str, Any], now: Any) -> dict[str, Any] | None:
    if payload["who"] in WITHDRAWN:
        return None
    # A sentence translated when the message is made: it must come out in the recipient's language.
    return {"paragraphs": [gettext("Hello,"), f"for {payload['who']}"], "quote": "<b>our words</b>",
            "action_label": "Open", "action_url": f"https://ink.example.org/x/{payload['who']}"}


@pytest.fixture
def noticed(app):  # type: ignore[no-untyped-def]
    WITHDRAWN.clear()
    register_notice(app, "test-notice", template="notice", subject=N_("Your INK Events subscriptions"),
                    context=_context, expires_after=timedelta(hours=1))
    return app


def test_a_notice_is_sent_once_in_the_recipients_language(noticed, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    assert queue_notice("test-notice", ref="1", recipient="ola@example.org", locale="nb", now=clock.now(),
                        payload={"who": "ola"})
    assert not queue_notice("test-notice", ref="1", recipient="ola@example.org", locale="nb", now=clock.now(),
                            payload={"who": "ola"})  # the same (name, ref, recipient): queued once
    db.session.commit()
    run_outbox(clock.now())
    run_outbox(clock.now())
    [message] = smtp_server.handler.to("ola@example.org")
    assert message.subject == "Abonnementene dine på INK Events"
    assert "https://ink.example.org/x/ola" in message.text
    assert message.text.count("Hei,") == 2  # the template's greeting and the context's, both in Bokmål
    html = message.message.get_body(preferencelist=("html",)).get_content()
    assert "&lt;b&gt;our words&lt;/b&gt;" in html and "<b>our words" not in html


def test_a_notice_whose_context_is_gone_is_skipped(noticed, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    queue_notice("test-notice", ref="2", recipient="kari@example.org", locale="en", now=clock.now(), payload={"who": "kari"})
    db.session.commit()
    WITHDRAWN.add("kari")
    run_outbox(clock.now())
    assert smtp_server.received == []
    row = db.session.scalar(sa.select(OutboxMessage))
    assert row.status == MessageStatus.SKIPPED.value and row.last_error == "no longer needed"


def test_a_notice_expires(noticed, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    queue_notice("test-notice", ref="3", recipient="per@example.org", locale="en", now=clock.now(), payload={"who": "per"})
    db.session.commit()
    run_outbox(clock.now() + timedelta(hours=2))
    assert smtp_server.received == []


def test_an_unregistered_notice_is_refused(app, clock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LookupError):
        queue_notice("no-such-notice", ref="1", recipient="a@example.org", locale="en", now=clock.now())
