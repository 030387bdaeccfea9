"""The schema is made by migrations: from empty they reach exactly the models, and go back to base."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from ink.events.models import SEARCH_UNMODELLED
from ink.extensions import db

pytestmark = pytest.mark.slow


def _modelled(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """The search engines' own objects (an FTS5 table and its shadow tables, a GIN expression index)
    are made by DDL beside the models (ink/events/models.py SEARCH_DDL), not described by them."""
    return not (name and (name in SEARCH_UNMODELLED or name.startswith("search_fts_")))


def _schema_diff() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": _modelled})
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_matches_the_models_and_downgrades_to_base(migration_app: Flask) -> None:
    upgrade()
    assert _schema_diff() == []
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {"user", "organisation", "event_series", "occurrence", "alembic_version"} <= tables

    downgrade(revision="base")
    remaining = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()

    upgrade()  # and up again: downgrade left nothing behind that blocks it
    assert _schema_diff() == []
