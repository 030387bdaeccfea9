"""Fixtures in the manner of flaskr and Indico: app, client, runner, auth, factories, a clock.

The database is SQLite in a temporary file unless INK_TEST_DATABASE_URL names another
(CI runs the suite a second time against PostgreSQL). The schema is created once per session.

Every test starts from empty tables, in one of two ways. Most tests run inside one outer
transaction on one connection that is rolled back at the end (Indico's fixtures; SQLAlchemy's
"joining a session into an external transaction"): each session of the test and of its requests
works in a savepoint of it, so a commit is real for everything the test looks at and gone
afterwards. Tests that need other connections (threads, subprocesses, a live server, the
browser, an app of their own) are marked ``committing`` (automatically when they use such a
fixture): they commit for real and find and leave the tables emptied.

The test body has an app context of its own (for ``db.session`` and the factories); a test-client
request never runs inside it, as on a real server: each request pushes a fresh app context, so
``g`` (the signed-in user, the locale, the CSRF token) and the ORM session are the request's own.
"""
from __future__ import annotations

import contextvars
import inspect
import os
import shutil
import smtplib
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from ink import create_app
from ink.core.clock import FrozenClock
from ink.extensions import db

# A Tuesday, in summer time: most tests reason about "now" from here.
DEFAULT_NOW = datetime(2026, 6, 2, 10, 0, tzinfo=timezone.utc)
PASSWORD = "correct horse battery"


def _database_url(tmp_root: str) -> str:
    url = os.environ.get("INK_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{os.path.join(tmp_root, 'test.sqlite3')}"  # a worker's tmp_root is its own
    if url.startswith("postgresql"):
        _require_reachable(url)
        url = _worker_database(url)
    return url


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own beside the named one (test_gw0, …)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = sa.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


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
        # No sign-in slowdown after failures (tests/auth/test_signin_limits.py checks it with its own values).
        "SIGNIN_SLOWDOWN_SECONDS": 0,
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
    """Delete every row, through the session: committed for real, or in the test's outer transaction."""
    db.session.remove()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    db.session.remove()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DEFAULT_NOW)


@pytest.fixture
def app_config() -> dict[str, object]:
    """Override in a test module to change configuration."""
    return {}


# Fixtures that mean other connections to the database: a test using one commits for real.
COMMITTING_FIXTURES = frozenset({"live_server", "browser", "database_url", "another_app"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        function = getattr(item, "function", None)
        direct = set(inspect.signature(function).parameters) if function else set()
        used = direct | (set(getattr(item, "fixturenames", ())) - {"database_url"})
        if used & COMMITTING_FIXTURES:
            item.add_marker(pytest.mark.committing)


class IsolatedClient(FlaskClient):
    """A test client whose requests run as on a real server: never inside the test's app context.

    Before a request the test's own session commits what it added (as tests do before they
    request anything), so the request, in a session of its own, sees it; its objects are then
    expired and reload what the request changed."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context() and current_app._get_current_object() is self.application:  # type: ignore[attr-defined]
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@contextmanager
def _rolled_back_connection(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Bind every session of ``app`` to one connection in a transaction that is rolled back at the end."""
    connection = db.engine.connect()
    if connection.dialect.name == "sqlite":
        # pysqlite begins a transaction only before DML, so a session's SAVEPOINT would start (and
        # its RELEASE commit) the real one: say BEGIN ourselves so that the outer transaction exists.
        sa.event.listen(connection, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    outer = connection.begin()
    session_class = db.session.session_factory.class_
    engine_bind = session_class.get_bind

    def get_bind(session: Any, *args: Any, **kwargs: Any) -> Any:
        if has_app_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]
            return connection
        return engine_bind(session, *args, **kwargs)

    monkeypatch.setattr(session_class, "get_bind", get_bind)
    monkeypatch.setitem(db.session.session_factory.kw, "join_transaction_mode", "create_savepoint")
    try:
        yield
    finally:
        db.session.remove()
        outer.rollback()
        connection.close()


@contextmanager
def _emptied_tables() -> Iterator[None]:
    empty_all_tables()
    try:
        yield
    finally:
        db.session.remove()
        empty_all_tables()


@pytest.fixture
def app(request: pytest.FixtureRequest, database_url: str, clock: FrozenClock, app_config: dict[str, object],
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    app = create_app(base_config(database_url, CLOCK=clock, **app_config))
    app.test_client_class = IsolatedClient
    committing = request.node.get_closest_marker("committing") is not None
    with app.app_context():
        isolation = _emptied_tables() if committing else _rolled_back_connection(app, monkeypatch)
        with isolation:
            yield app
        db.engine.dispose()


@pytest.fixture
def another_app(database_url: str, clock: FrozenClock) -> Iterator[Callable[..., Flask]]:
    """Makes further app instances on the test database, as a second server would be; each one's engine
    is disposed at the end (an engine left to the garbage collector leaves its connections open)."""
    made: list[Flask] = []

    def make(**config: object) -> Flask:
        made.append(create_app(base_config(database_url, CLOCK=clock, **config)))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
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


# --- a real server in a thread and headless Chromium (Debian's chromium + chromium-driver) ---------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """Serves the test's app (same database, same clock) on a free localhost port."""
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


def require_chromium() -> None:
    """Skip (fail under CI) when Debian's chromium and chromium-driver are not installed."""
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver are required in CI (apt-get install chromium chromium-driver)")
        pytest.skip("chromium/chromedriver not installed")


@contextmanager
def chromium(width: int = 390, height: int = 844) -> Iterator[Any]:
    """A headless Chromium session (selenium) with a window of the given size and a profile of its own."""
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="ink-chromium-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # tests may read console errors
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    # Headless Chromium's window is at least 500 px wide: the viewport is set to the size asked for.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 0, "mobile": False})
    driver.implicitly_wait(2)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def browser() -> Iterator[object]:
    """Headless Chromium on a phone-sized window (390 x 844)."""
    with chromium(390, 844) as driver:
        yield driver
