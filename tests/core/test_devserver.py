"""`make run PORT=…`: absolute links follow the development server's host and port unless BASE_URL is set."""
from __future__ import annotations

import pytest

from ink.devserver import build_app, development_sync_settings


@pytest.fixture(autouse=True)
def no_instance_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("flask.config.Config.from_pyfile", lambda self, *a, **k: False)
    monkeypatch.setenv("INK_SECRET_KEY", "dev-test")
    monkeypatch.setenv("INK_DATABASE_URL", "sqlite:///:memory:")
    monkeypatch.delenv("INK_BASE_URL", raising=False)


def test_base_url_follows_the_port_of_make_run() -> None:
    app = build_app("127.0.0.1", 5201, environ={})
    assert app.config["BASE_URL"] == "http://127.0.0.1:5201"


def test_listening_everywhere_links_to_localhost() -> None:
    assert build_app("0.0.0.0", 8080, environ={}).config["BASE_URL"] == "http://127.0.0.1:8080"


def test_a_configured_base_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INK_BASE_URL", "https://events.example.org")
    app = build_app("127.0.0.1", 5201, environ={"INK_BASE_URL": "https://events.example.org"})
    assert app.config["BASE_URL"] == "https://events.example.org"


def test_base_url_in_instance_config_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    def instance_config(self, filename: str, silent: bool = False) -> bool:  # type: ignore[no-untyped-def]
        self["BASE_URL"] = "https://ink.example.net"
        return True

    monkeypatch.setattr("flask.config.Config.from_pyfile", instance_config)
    app = build_app("127.0.0.1", 5201, environ={})
    assert app.config["BASE_URL"] == "https://ink.example.net"


def test_make_run_lets_the_demo_read_its_own_calendar_unless_told_otherwise() -> None:
    # The demo's calendar source is http://127.0.0.1:5000/demo/calendar.ics: loopback and http, both refused
    # by default (production) and both allowed by the development server.
    assert build_app("127.0.0.1", 5000, environ={}).config["SYNC_ALLOW_PRIVATE"] is True
    assert development_sync_settings({}) == {"SYNC_ALLOW_PRIVATE": True, "SYNC_ALLOW_HTTP": True}
    assert development_sync_settings({"INK_SYNC_ALLOW_PRIVATE": "false"}) == {"SYNC_ALLOW_HTTP": True}
