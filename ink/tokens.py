"""Signed tokens for links in emails: one salt per purpose, an expiry from the injected clock.

Neutral ground below every domain (it knows none): ``make_token("ink.auth.password-reset", {...},
expires_at=...)`` signs a payload with SECRET_KEY; ``read_token`` checks signature, purpose and
expiry against the caller's ``now`` (not the system clock, so tests move time instead of waiting).
Single use is the caller's part: put a nonce in the payload, store it, compare it and clear it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

EXPIRES = "x"  # payload key of the expiry (a POSIX timestamp)


class BadToken(Exception):
    """A token that is forged, tampered with, of another purpose (``reason`` "invalid") or expired ("expired")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def make_token(purpose: str, payload: dict[str, Any], *, expires_at: datetime) -> str:
    """A signed token for this purpose carrying ``payload`` until ``expires_at``."""
    return str(_serializer(purpose).dumps({**payload, EXPIRES: int(expires_at.timestamp())}))


def read_token(purpose: str, token: str, *, now: datetime) -> dict[str, Any]:
    """The payload of a valid token of this purpose; BadToken("invalid"/"expired") otherwise."""
    if not token or len(token) > 2000:
        raise BadToken("invalid")
    try:
        payload = _serializer(purpose).loads(token)
    except (BadSignature, UnicodeError, ValueError) as error:
        raise BadToken("invalid") from error
    if not isinstance(payload, dict) or not isinstance(payload.get(EXPIRES), int):
        raise BadToken("invalid")
    if payload[EXPIRES] <= now.timestamp():
        raise BadToken("expired")
    return payload
