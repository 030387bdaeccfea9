"""/readyz: 200 only when the database answers at the latest migration; /healthz stays trivial."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask_migrate import upgrade

from ink import create_app
from ink.core.clock import FrozenClock
from ink.extensions import db
from ink.readiness import latest_revisions
from ink.reminders.heartbeat import beat
from tests.conftest import DEFAULT_NOW, base_config


def _app(url: str, **overrides: object) -> Flask:
    return create_app(base_config(url, CLOCK=FrozenClock(DEFAULT_NOW), **overrides))


@pytest.fixture
def migrated_sqlite(tmp_path):  # type: ignore[no-untyped-def]
    app = _app(f"sqlite:///{tmp_path / 'ready.sqlite3'}")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_ready_at_the_latest_migration_with_the_heartbeat_age(migrated_sqlite: Flask) -> None:
    upgrade()
    beat(DEFAULT_NOW - timedelta(seconds=90), "planned 0")
    response = migrated_sqlite.test_client().get("/readyz")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "ready" and "reason" not in body
    assert body["checks"]["schema"]["current"] == sorted(latest_revisions(migrated_sqlite))
    assert body["checks"]["scheduler"]["age_seconds"] == 90
    assert body["checks"]["scheduler"]["is_stale"] is False
    assert response.headers["Cache-Control"] == "no-store"


def test_not_ready_at_an_older_migration(migrated_sqlite: Flask) -> None:
    upgrade(revision="0003_attendance")
    response = migrated_sqlite.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert "schema at 0003_attendance, not the latest migration" in response.json["reason"]
    assert "db upgrade" in response.json["reason"]


def test_not_ready_on_a_schema_made_without_migrations(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/readyz")
    assert response.status_code == 503 and "schema at none" in response.json["reason"]


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://postgres@127.0.0.1:1/nothing",  # nothing listens on port 1
    "sqlite:////nonexistent-directory/ink.sqlite3",
])
def test_not_ready_when_the_database_is_unreachable_while_healthz_stays_ok(url: str) -> None:
    app = _app(url)
    with app.app_context():
        client = app.test_client()
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json["reason"].startswith("database unreachable")
        assert response.json["checks"]["database"]["ok"] is False
        assert client.get("/healthz").status_code == 200
        db.engine.dispose()
