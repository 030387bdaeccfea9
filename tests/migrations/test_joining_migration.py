"""0009_joining: co-organisers named before consent existed become accepted (their events stay where they
were public); going back keeps only accepted ones."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from ink.extensions import db

pytestmark = pytest.mark.slow
WHEN = datetime(2026, 6, 2, 10, 0)


def _insert(table: str, **values: object) -> None:
    with db.engine.begin() as connection:
        connection.execute(sa.table(table, *(sa.column(name) for name in values)).insert().values(**values))


def _coorganisers() -> dict[int, str]:
    with db.engine.connect() as connection:
        return dict(connection.execute(sa.text(
            "SELECT organisation_id, status FROM series_coorganiser ORDER BY organisation_id")).all())


def test_existing_coorganisers_become_accepted_and_downgrade_keeps_only_those(migration_app: Flask) -> None:
    upgrade(revision="0008_accounts")
    for n in (1, 2, 3):
        _insert("organisation", id=n, name=f"Org {n}", slug=f"org-{n}", description="", status="active",
                is_example=False, created_at=WHEN, updated_at=WHEN)
    _insert("event_series", id=1, uid="u1", title="Series", description_html="", organisation_id=1,
            is_drop_in=True, start_local=WHEN, is_all_day=False, all_day_days=1, timezone="Europe/Oslo",
            status="published", cancel_reason="", sequence=0, created_at=WHEN, updated_at=WHEN, audience_note="")
    _insert("series_coorganiser", series_id=1, organisation_id=2)

    upgrade()
    assert _coorganisers() == {2: "accepted"}
    _insert("series_coorganiser", series_id=1, organisation_id=3, status="pending", requested_at=WHEN)
    assert _coorganisers() == {2: "accepted", 3: "pending"}

    downgrade(revision="0008_accounts")
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT organisation_id FROM series_coorganiser")).scalars().all() == [2]
        columns = {column["name"] for column in sa.inspect(connection).get_columns("series_coorganiser")}
    assert columns == {"series_id", "organisation_id"}
