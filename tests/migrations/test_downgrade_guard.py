"""Downgrading a migration that drops tables holding rows refuses unless the operator confirms (issue #8)."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from ink.extensions import db
from ink.migration_guard import DataLossRefused

pytestmark = pytest.mark.slow
WHEN = datetime(2026, 6, 2, 10, 0)


def _current_revision() -> str | None:
    with db.engine.connect() as connection:
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _insert(table: str, **values: object) -> None:
    with db.engine.begin() as connection:
        connection.execute(sa.table(table, *(sa.column(name) for name in values)).insert().values(**values))


def _add_subscriber() -> None:
    _insert("subscriber", id=1, email="resident@example.org", locale="nb", created_at=WHEN)


def _add_attendance_category() -> None:
    _insert("organisation", id=1, name="Org", slug="org", description="", status="active", is_example=False,
            created_at=WHEN, updated_at=WHEN)
    _insert("event_series", id=1, uid="u1", title="Series", description_html="", organisation_id=1, audience="",
            is_drop_in=True, start_local=WHEN, is_all_day=False, all_day_days=1, timezone="Europe/Oslo",
            status="published", cancel_reason="", sequence=0, created_at=WHEN, updated_at=WHEN)
    _insert("attendance_category", id=1, series_id=1, name="Adults", position=0)


def test_downgrading_reminders_with_subscribers_refuses_and_keeps_everything(migration_app: Flask) -> None:
    upgrade(revision="0004_reminders")
    _add_subscriber()
    with pytest.raises(DataLossRefused) as refused:
        downgrade(revision="0003_attendance")
    message = refused.value.message
    assert "subscriber (1 row)" in message and "-x confirm-data-loss=yes" in message and "INK_CONFIRM_DATA_LOSS=1" in message
    db.engine.dispose()
    assert _current_revision() == "0004_reminders"
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM subscriber")).scalar() == 1


def test_confirmed_by_x_argument(migration_app: Flask) -> None:
    upgrade(revision="0004_reminders")
    _add_subscriber()
    downgrade(revision="0003_attendance", x_arg=["confirm-data-loss=yes"])
    assert _current_revision() == "0003_attendance"
    assert "subscriber" not in sa.inspect(db.engine).get_table_names()


def test_confirmed_by_environment(migration_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INK_CONFIRM_DATA_LOSS", "1")
    upgrade(revision="0004_reminders")
    _add_subscriber()
    downgrade(revision="0003_attendance")
    assert _current_revision() == "0003_attendance"


def test_downgrading_attendance_with_categories_refuses(migration_app: Flask) -> None:
    upgrade(revision="0003_attendance")
    _add_attendance_category()
    with pytest.raises(DataLossRefused, match=r"attendance_category \(1 row\)"):
        downgrade(revision="0002_feeds")
    db.engine.dispose()
    assert _current_revision() == "0003_attendance"


def test_empty_tables_downgrade_without_asking(migration_app: Flask) -> None:
    upgrade(revision="0004_reminders")
    downgrade(revision="0002_feeds")
    assert _current_revision() == "0002_feeds"


def _flask(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    environment = {**os.environ, "INK_SECRET_KEY": "guard-test", "INK_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}", **env}
    environment.pop("INK_CONFIRM_DATA_LOSS", None)
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "ink", *args], env=environment,
                          capture_output=True, text=True, timeout=120, cwd=os.getcwd())


def test_flask_db_downgrade_minus_one_as_people_type_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert _flask(tmp_path, "db", "upgrade", "0004_reminders").returncode == 0
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO subscriber (id, email, locale, created_at) "
                                   "VALUES (1, 'a@example.org', 'en', '2026-06-02 10:00:00')"))
    refused = _flask(tmp_path, "db", "downgrade", "-1")
    assert refused.returncode == 1
    assert "Error: Downgrading 0004_reminders would delete subscriber (1 row)" in refused.stderr
    assert "Traceback" not in refused.stderr
    confirmed = _flask(tmp_path, "db", "downgrade", "-1", "-x", "confirm-data-loss=yes")
    assert confirmed.returncode == 0, confirmed.stderr
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0003_attendance"
    engine.dispose()
