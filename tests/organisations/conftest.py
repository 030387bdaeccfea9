"""Fixtures for the organisations tests: those of tests/auth/conftest.py (SMTP server, second browser)."""
from __future__ import annotations

from tests.auth.conftest import mail_config, other_client, smtp_server  # noqa: F401  (fixtures and helper)
