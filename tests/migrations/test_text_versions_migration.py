"""0014_text_versions: the upgrade gives existing rows the default original language; the downgrade
drops the version tables and the columns (and refuses while versions exist, unless confirmed)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from ink.events.models import SeriesTextVersion
from ink.events.service import SeriesData, create_series
from ink.extensions import db
from ink.migration_guard import DataLossRefused
from ink.organisations import text_versions
from ink.organisations.models import OrganisationStatus
from ink.organisations.service import OrganisationData, create_organisation

pytestmark = pytest.mark.slow
NOW = datetime(2026, 6, 2, 10, 0, tzinfo=timezone.utc)


def _columns(table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(db.engine).get_columns(table)}


def test_upgrade_and_downgrade(migration_app: Flask) -> None:
    upgrade(revision="0013_pictures")
    with db.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO venue (name, slug, address, accessibility, version) "
                                   "VALUES ('Hall', 'hall', '', 'Step-free', 1)"))
    upgrade()
    assert db.session.execute(sa.text("SELECT original_language FROM venue")).scalar() == "en"
    organisation = create_organisation(OrganisationData(name="Kafé"), now=NOW, status=OrganisationStatus.ACTIVE)
    series = create_series(SeriesData(title="Språkkafé", organisation=organisation,
                                      start_local=datetime(2026, 6, 3, 18, 0), original_language="nb"), now=NOW)
    text_versions.add_text_version(series, SeriesTextVersion, "en", {"title": "Language café"}, now=NOW)
    db.session.commit()
    db.session.remove()

    with pytest.raises(DataLossRefused):
        downgrade(revision="0013_pictures")
    db.session.remove()
    db.session.execute(sa.text("DELETE FROM series_text_version"))
    db.session.commit()
    db.session.remove()
    downgrade(revision="0013_pictures")
    tables = sa.inspect(db.engine).get_table_names()
    assert not {"series_text_version", "organisation_text_version", "venue_text_version"} & set(tables)
    assert "original_language" not in _columns("event_series") | _columns("organisation") | _columns("venue")
    assert db.session.execute(sa.text("SELECT title FROM event_series")).scalar() == "Språkkafé"
    db.session.remove()
    upgrade()
    assert "original_language" in _columns("event_series")
