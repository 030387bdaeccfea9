"""The migration tests' app: an empty database (no tables at all), left as the rest of the suite expects it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from ink import create_app
from ink.extensions import db
from tests.conftest import base_config


def _drop_everything() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture
def migration_app(database_url: str):  # type: ignore[no-untyped-def]
    app: Flask = create_app(base_config(database_url))
    with app.app_context():
        db.session.remove()
        _drop_everything()
        yield app
        # Leave the schema as the rest of the suite expects it.
        db.session.remove()
        _drop_everything()
        db.create_all()
        db.engine.dispose()
