"""0010_moderation: organisations that exist before it become trusted; new ones are reviewed; a downgrade
that would drop waiting requests refuses unless confirmed."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from ink.extensions import db
from ink.migration_guard import DataLossRefused
from ink.organisations.models import Organisation, OrganisationModeration

pytestmark = pytest.mark.slow
WHEN = datetime(2026, 6, 2, 10, 0)


def _insert(table: str, **values: object) -> None:
    with db.engine.begin() as connection:
        connection.execute(sa.table(table, *(sa.column(name) for name in values)).insert().values(**values))


def test_existing_organisations_become_trusted(migration_app: Flask) -> None:
    upgrade(revision="0007_category_kinds")
    _insert("organisation", id=1000, name="Old member", slug="old-member", description="", status="active",
            is_example=False, created_at=WHEN, updated_at=WHEN)
    upgrade()  # through 0010 to the head: the ORM below needs every later table too (the audit log)
    assert db.session.get(Organisation, 1000).moderation == OrganisationModeration.TRUSTED
    aware = WHEN.replace(tzinfo=timezone.utc)
    db.session.add(Organisation(name="Newcomer", slug="newcomer", created_at=aware, updated_at=aware))
    db.session.commit()
    newcomer = db.session.scalar(sa.select(Organisation).where(Organisation.slug == "newcomer"))
    assert newcomer.moderation == OrganisationModeration.REVIEWED
    db.session.remove()


def test_downgrade_with_waiting_requests_refuses(migration_app: Flask) -> None:
    upgrade(revision="0010_moderation")
    _insert("organisation", id=1, name="Org", slug="org", description="", status="active", is_example=False,
            moderation="reviewed", created_at=WHEN, updated_at=WHEN)
    _insert("event_series", id=1, uid="u1", title="Series", description_html="", organisation_id=1,
            audience_note="", is_drop_in=True, start_local=WHEN, is_all_day=False, all_day_days=1,
            timezone="Europe/Oslo", status="draft", cancel_reason="", sequence=0, created_at=WHEN, updated_at=WHEN)
    _insert("moderation_request", id=1, series_id=1, kind="publish", status="pending", proposed="{}",
            submitted_at=WHEN, comment="")
    with pytest.raises(DataLossRefused, match=r"moderation_request \(1 row\)"):
        downgrade(revision="0007_category_kinds")
    db.engine.dispose()
    downgrade(revision="0007_category_kinds", x_arg=["confirm-data-loss=yes"])
    assert "moderation_request" not in sa.inspect(db.engine).get_table_names()
    assert "moderation" not in {column["name"] for column in sa.inspect(db.engine).get_columns("organisation")}
