"""Fixtures for the organisations tests: those of tests/auth/conftest.py (SMTP server, second browser),
and helpers to apply through /join like a person (the joining tests)."""
from __future__ import annotations

import re

from tests.auth.conftest import mail_config, other_client, smtp_server  # noqa: F401  (fixtures and helper)


def started_stamp(html: str) -> str:
    """The signed form stamp in a /join page."""
    match = re.search(r'<input[^>]*name="started"[^>]*value="([^"]+)"', html) or re.search(
        r'<input[^>]*value="([^"]+)"[^>]*name="started"', html)
    assert match, "no started stamp in the form"
    return match.group(1)


def application_form(**fields: object) -> dict[str, object]:
    """A complete, honest application (override any field)."""
    return {
        "name": "Nordic Choir", "description": "We sing together.", "website": "https://choir.example.org",
        "contact_email": "post@choir.example.org", "contact_phone": "+47 400 00 000", "languages": ["nb", "en"],
        "applicant_name": "Ingrid Applicant", "applicant_email": "ingrid@example.org", "homepage": "",
    } | fields


def apply(client, clock, *, wait_seconds: float = 30, **fields: object):  # type: ignore[no-untyped-def]
    """Open /join, wait like a person, send the form; the response."""
    page = client.get("/join")
    assert page.status_code == 200
    data = application_form(**fields)
    data.setdefault("started", started_stamp(page.get_data(as_text=True)))
    clock.advance(seconds=wait_seconds)
    return client.post("/join", data=data)
