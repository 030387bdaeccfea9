"""The database itself refuses to change or remove audit entries (triggers made by migration 0011_audit)."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from ink.extensions import db
from tests.migrations.conftest import migration_app  # noqa: F401  (the fixture: an empty database)

WHEN = datetime(2026, 6, 2, 10, 0)


def _add_entry() -> None:
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO audit_entry (created_at, actor_id, actor_name, action, object_kind, object_id, "
            "object_label, organisation_id, changes) VALUES (:when, 7, 'Coordinator', 'publish', "
            "'event_series', '3', 'Language café', 2, '{}')"), {"when": WHEN})


def test_update_and_delete_of_audit_entries_are_refused_by_the_database(migration_app: Flask) -> None:  # noqa: F811
    upgrade()
    _add_entry()
    for statement in ("UPDATE audit_entry SET action = 'edit'", "DELETE FROM audit_entry",
                      "UPDATE audit_entry SET changes = '{\"x\": 1}' WHERE actor_id = 7"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with db.engine.begin() as connection:
                connection.execute(sa.text(statement))
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT action, object_label FROM audit_entry")).all() == [
            ("publish", "Language café")]
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with db.engine.begin() as connection:
                connection.execute(sa.text("TRUNCATE audit_entry"))
    # Inserting still works: the log grows.
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO audit_entry (created_at, actor_name, action, object_kind, object_id, object_label, changes)"
            " VALUES (:when, '', 'create', 'venue', '1', 'Hall', '{}')"), {"when": WHEN})
        assert connection.execute(sa.text("SELECT count(*) FROM audit_entry")).scalar() == 2
