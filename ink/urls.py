"""Absolute URLs: the configured BASE_URL plus the URL map's path, never the request's Host header.

Works outside requests too (the scheduler, the CLI), so feeds, door-counter links and emails build
their links the same way.
"""
from __future__ import annotations

from typing import Any

from flask import current_app


def absolute_url(endpoint: str, _anchor: str = "", **values: Any) -> str:
    """The absolute URL of an endpoint (values the rule does not take become the query string)."""
    path = current_app.url_map.bind("ink.invalid").build(endpoint, values)
    return current_app.config["BASE_URL"] + path + (f"#{_anchor}" if _anchor else "")
