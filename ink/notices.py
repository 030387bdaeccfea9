"""Transactional emails (notices) that any domain sends through the outbox without importing reminders.

A domain registers each kind of notice from its ``init_app`` and queues one inside its own transaction:

    register_notice(app, "password-reset", template="password_reset",
                    subject=N_("Reset your INK Events password"), context=reset_context)
    queue_notice("password-reset", ref=f"user:{user.id}:{nonce}", recipient=user.email,
                 locale=user.locale, now=now, payload={"user_id": user.id, "nonce": nonce})

The reminders domain stores the notice as an outbox row (kind ``notice``; exactly once per
(name, ref, recipient)) and, when it is sent, calls ``context(payload, now)`` in the recipient's
language to get the template's variables; returning None skips the message (the invitation was
revoked, the account is gone). Signed links are therefore made at sending time, never stored.
The template is ``templates/emails/<template>.txt`` and ``.html``; ``subject`` is an N_-marked
message id, formatted with the context (``%(name)s``) and translated in the recipient's language.

This module knows no domain: reminders registers the queue (``provide_queue``) and reads the kinds
(``notice_kind``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app

NoticeContext = Callable[[Mapping[str, Any], datetime], dict[str, Any] | None]
QueueFunction = Callable[..., bool]


@dataclass(frozen=True)
class NoticeKind:
    """One kind of notice: its template, its subject (an N_ message id) and how its variables are made."""

    name: str
    template: str
    subject: str
    context: NoticeContext
    # How long after queueing the notice is still worth sending (a link that expires sooner is useless).
    expires_after: timedelta | None = None


def register_notice(app: Flask, name: str, *, template: str, subject: str, context: NoticeContext,
                    expires_after: timedelta | None = None) -> None:
    """Register a kind of notice under a fixed name (registering the same name again replaces it)."""
    app.extensions.setdefault("ink.notices", {})[name] = NoticeKind(name, template, subject, context, expires_after)


def notice_kind(name: str) -> NoticeKind | None:
    """The registered kind of this name, or None."""
    kinds: dict[str, NoticeKind] = current_app.extensions.get("ink.notices", {})
    return kinds.get(name)


def provide_queue(app: Flask, queue: QueueFunction) -> None:
    """Called by the domain that owns the outbox: how ``queue_notice`` stores a notice."""
    app.extensions["ink.notices.queue"] = queue


def queue_notice(name: str, *, ref: str, recipient: str, locale: str | None, now: datetime,
                 payload: Mapping[str, Any] | None = None, user_id: int | None = None) -> bool:
    """Queue one notice in the current transaction; False if (name, ref, recipient) was queued before."""
    kind = notice_kind(name)
    if kind is None:
        raise LookupError(f"no notice kind {name!r} is registered")
    queue: QueueFunction | None = current_app.extensions.get("ink.notices.queue")
    if queue is None:
        raise RuntimeError("no outbox is installed to queue notices")
    expires_at = now + kind.expires_after if kind.expires_after else None
    return queue(kind, ref=ref, recipient=recipient, locale=locale or "en", now=now,
                 payload=dict(payload or {}), user_id=user_id, expires_at=expires_at)
