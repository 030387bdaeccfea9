"""Fixtures in the manner of flaskr and Indico: app, client, runner, auth, factories, a clock.

The database is SQLite in a temporary file unless INK_TEST_DATABASE_URL names another
(CI runs the suite a second time against PostgreSQL). The schema is created once per session;
every test starts from empty tables.
"""
from __future__ import annotations

import os
import smtplib
import socket
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from ink import create_app
from ink.core.clock import FrozenClock
from ink.extensions import db

# A Tuesday, in summer time: most tests reason about "now" from here.
DEFAULT_NOW = datetime(2026, 6, 2, 10, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"


def _database_url(tmp_root: str) -> str:
    url = os.environ.get("INK_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{os.path.join(tmp_root, 'test.sqlite3')}"
    if url.startswith("postgresql"):
        _require_reachable(url)
    return url


def _require_reachable(url: str) -> None:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=3).close()
    except OSError as error:
        # CI must fail loudly rather than quietly test nothing.
        pytest.exit(f"PostgreSQL at {parts.hostname}:{parts.port} is unreachable: {error}", returncode=3)


def base_config(database_url: str, **overrides: object) -> dict[str, object]:
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "BASE_URL": "https://ink.example.org",
        # Cheap hashes keep the suite fast; production cost is checked in tests/auth.
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_KIB": 8,
        "PASSWORD_HASH_PARALLELISM": 1,
        "MAIL_BACKEND": "disabled",
        "SERVER_NAME": None,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="ink-tests-") as tmp_root:
        url = _database_url(tmp_root)
        schema_app = create_app(base_config(url))
        with schema_app.app_context():
            db.drop_all()
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            db.create_all()
        yield url
        with schema_app.app_context():
            db.session.remove()
            db.engine.dispose()


def empty_all_tables() -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DEFAULT_NOW)


@pytest.fixture
def app_config() -> dict[str, object]:
    """Override in a test module to change configuration."""
    return {}


@pytest.fixture
def app(database_url: str, clock: FrozenClock, app_config: dict[str, object]) -> Iterator[Flask]:
    app = create_app(base_config(database_url, CLOCK=clock, **app_config))
    with app.app_context():
        empty_all_tables()
        yield app
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):  # type: ignore[no-untyped-def]
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def factory(app: Flask, clock: FrozenClock):  # type: ignore[no-untyped-def]
    from tests.factories import Factory

    return Factory(clock)


@pytest.fixture(autouse=True)
def no_unexpected_mail(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail a test that sends mail unexpectedly. Tests that mean to send use the ``smtp_server``
    fixture (tests/reminders/conftest.py); with MAIL_BACKEND "disabled" (the default here) the
    mailer itself refuses to send."""
    if "smtp_server" in request.fixturenames:
        return

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("This test tried to send an email over SMTP without the smtp_server fixture.")

    monkeypatch.setattr(smtplib.SMTP, "sendmail", refuse)
