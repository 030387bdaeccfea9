"""Fixtures for the auth tests: the real SMTP server (tests/reminders/conftest.py) for tests that
read the emails they cause, and a second browser."""
from __future__ import annotations

from typing import Any

import pytest

from tests.reminders.conftest import smtp_server  # noqa: F401  (a fixture)


def mail_config(smtp_server: Any, tmp_path: Any, **extra: object) -> dict[str, object]:  # noqa: F811
    """The app configuration of a test that sends email to the aiosmtpd server (no sign-in slowdown)."""
    return {
        "MAIL_BACKEND": "smtp", "MAIL_HOST": "127.0.0.1", "MAIL_PORT": smtp_server.port,
        "MAIL_FROM": "INK Events <no-reply@ink.example.org>",
        "SCHEDULER_LOCK_FILE": str(tmp_path / "scheduler.lock"), "MAIL_DIRECTORY": str(tmp_path / "mail"),
        "MAIL_RECONNECT_DELAYS": (0.01, 0.02), "SIGNIN_SLOWDOWN_SECONDS": 0, **extra,
    }


@pytest.fixture
def other_client(app):  # type: ignore[no-untyped-def]
    """A second browser on the same app."""
    return app.test_client()
