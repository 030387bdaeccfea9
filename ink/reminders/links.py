"""Signed tokens (one salt per purpose) and the absolute links put in emails.

Links are built from BASE_URL, never from the request's Host header. Paths of pages owned by other
domains (the public event page, attendance entry) are written here, in one place, so they can be
switched to url_for when those endpoints exist in this tree.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

CONFIRM = "ink.reminders.confirm"
UNSUBSCRIBE = "ink.reminders.unsubscribe"
MANAGE = "ink.reminders.manage"
CONFIRM_MAX_AGE = 14 * 24 * 3600


class BadToken(Exception):
    pass


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return str(_serializer(purpose).dumps(payload))


def read_token(purpose: str, token: str, max_age: int | None = None) -> dict[str, Any]:
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise BadToken("expired") from error
    except BadSignature as error:
        raise BadToken("invalid") from error
    if not isinstance(payload, dict):
        raise BadToken("invalid")
    return payload


def absolute(path: str) -> str:
    return current_app.config["BASE_URL"] + path


# --- this domain's pages -----------------------------------------------------------------------

def confirm_url(token: str) -> str:
    return absolute(f"/subscriptions/confirm/{token}")


def unsubscribe_url(token: str) -> str:
    return absolute(f"/subscriptions/unsubscribe/{token}")


def one_click_url(token: str) -> str:
    return absolute(f"/subscriptions/unsubscribe/{token}/one-click")


def manage_url(token: str) -> str:
    return absolute(f"/subscriptions/manage/{token}")


def outbox_url() -> str:
    return absolute("/manage/outbox")


# --- other domains' pages (switch to url_for at merge) ------------------------------------------

def event_url(series_id: int) -> str:
    return absolute(f"/events/{series_id}")


def programme_url() -> str:
    return absolute("/")


def dashboard_url() -> str:
    return absolute("/manage/")


def attendance_entry_url(occurrence_id: int) -> str:
    """Where an editor types in a count (attendance domain)."""
    return absolute(f"/manage/attendance/occurrences/{occurrence_id}")


def door_counter_url(occurrence_id: int) -> str:
    """Where an editor makes a door-counter link (attendance domain: the same page, its door-links part)."""
    return absolute(f"/manage/attendance/occurrences/{occurrence_id}#door-links")
