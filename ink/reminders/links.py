"""Signed tokens (one salt per purpose) and the absolute links put in emails.

Links are built from BASE_URL and the URL map, never from the request's Host header.
"""
from __future__ import annotations

import functools
import re
from typing import Any

from flask import current_app
from werkzeug.routing import Map
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ink.urls import absolute_url

CONFIRM = "ink.reminders.confirm"
UNSUBSCRIBE = "ink.reminders.unsubscribe"
MANAGE = "ink.reminders.manage"
CONFIRM_MAX_AGE = 14 * 24 * 3600


class BadToken(Exception):
    pass


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"], salt)


@functools.lru_cache(maxsize=32)
def _serializer_for(secret_key: str | bytes, salt: str) -> URLSafeTimedSerializer:
    """Made once per key and salt (a digest dispatch signs two tokens per message); it keeps no state."""
    return URLSafeTimedSerializer(secret_key, salt=salt)


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


def absolute(endpoint: str, _anchor: str = "", **values: Any) -> str:
    """The absolute URL of an endpoint, from BASE_URL (works outside requests, e.g. in the scheduler)."""
    return absolute_url(endpoint, _anchor, **values)


# --- this domain's pages -----------------------------------------------------------------------

def confirm_url(token: str) -> str:
    return _token_url("reminders.confirm", token)


def unsubscribe_url(token: str) -> str:
    return _token_url("reminders.unsubscribe", token)


def one_click_url(token: str) -> str:
    return _token_url("reminders.one_click_unsubscribe", token)


def manage_url(token: str) -> str:
    return _token_url("reminders.manage", token)


# What a signed token is made of; the URL map writes these characters in a path as they are.
_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9_.-]+")
_TOKEN_MARKER = "ink0token0marker"


def _token_url(endpoint: str, token: str) -> str:
    """``absolute(endpoint, token=token)``, but the URL around the token is built once per endpoint (a
    digest dispatch makes three such links per message)."""
    if not _TOKEN_CHARACTERS.fullmatch(token):
        return absolute(endpoint, token=token)
    before, after = _around_token(current_app.url_map, current_app.config["BASE_URL"], endpoint)
    return f"{before}{token}{after}"


@functools.lru_cache(maxsize=64)
def _around_token(url_map: Map, base_url: str, endpoint: str) -> tuple[str, str]:
    """The text before and after the token in the endpoint's URL (for this URL map and BASE_URL)."""
    before, _, after = absolute(endpoint, token=_TOKEN_MARKER).partition(_TOKEN_MARKER)
    return before, after


def outbox_url() -> str:
    return absolute("reminders.outbox")


# --- other domains' pages ------------------------------------------------------------------------

def event_url(series_id: int) -> str:
    return absolute("public.event", series_id=series_id)


def programme_url() -> str:
    return absolute("public.programme")


def dashboard_url() -> str:
    return absolute("events.dashboard")


def attendance_entry_url(occurrence_id: int) -> str:
    """Where an editor types in a count (attendance domain)."""
    return absolute("attendance.occurrence", occurrence_id=occurrence_id)


def door_counter_url(occurrence_id: int) -> str:
    """Where an editor makes a door-counter link (the same page, its door-links part)."""
    return absolute("attendance.occurrence", _anchor="door-links", occurrence_id=occurrence_id)
