from __future__ import annotations


import pytest
import sqlalchemy as sa

from ink import ConfigurationError, create_app
from ink.extensions import db


def test_refuses_to_start_without_secret_key_outside_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setattr("flask.config.Config.from_pyfile", lambda self, *a, **k: False)
    with pytest.raises(ConfigurationError):
        create_app()


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("flask.config.Config.from_pyfile", lambda self, *a, **k: False)
    monkeypatch.setenv("INK_SECRET_KEY", "from-env")
    monkeypatch.setenv("INK_TIMEZONE", "Europe/Warsaw")
    monkeypatch.setenv("INK_DATABASE_URL", "sqlite:///:memory:")
    monkeypatch.setenv("INK_BASE_URL", "https://events.example.org/")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["TIMEZONE"] == "Europe/Warsaw"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///:memory:"
    assert app.config["BASE_URL"] == "https://events.example.org"


def test_default_timezone_is_oslo(app) -> None:  # type: ignore[no-untyped-def]
    assert app.config["TIMEZONE"] == "Europe/Oslo"


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.db"})
    with app.app_context():
        for _ in range(2):  # two pooled connections, each configured
            with db.engine.connect() as connection:
                assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
                assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
                assert connection.execute(sa.text("PRAGMA busy_timeout")).scalar() >= 5000
        db.engine.dispose()


def test_security_headers_on_every_page(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_page_is_a_friendly_404(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"could not find" in response.data


def test_api_errors_are_json(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["status"] == 404


def test_a_405_says_which_methods_are_allowed(client) -> None:  # type: ignore[no-untyped-def]
    # RFC 9110 §15.5.6: the site's error page keeps the exception's Allow header, as HTML and as JSON.
    for headers in ({}, {"Accept": "application/json"}):
        response = client.post("/healthz", headers=headers)
        assert response.status_code == 405
        assert {method.strip() for method in response.headers["Allow"].split(",")} >= {"GET", "HEAD"}
    assert response.get_json()["status"] == 405
