"""0012_search: the upgrade indexes the series that exist; the downgrade drops the index, nothing else."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from ink.events.search import matching_ids
from ink.events.service import SeriesData, create_series
from ink.extensions import db
from ink.organisations.models import OrganisationStatus
from ink.organisations.service import OrganisationData, create_organisation, ensure_topics

pytestmark = pytest.mark.slow
NOW = datetime(2026, 6, 2, 10, 0, tzinfo=timezone.utc)


def test_upgrade_indexes_the_existing_series(migration_app: Flask) -> None:
    upgrade()
    organisation = create_organisation(OrganisationData(name="Røde Kors"), now=NOW, status=OrganisationStatus.ACTIVE)
    [culture] = [topic for topic in ensure_topics() if topic.name == "Culture, Leisure and Heritage"]
    series = create_series(SeriesData(title="Kite festival", organisation=organisation, topics=[culture],
                                      start_local=datetime(2026, 6, 3, 18, 0)), now=NOW)
    db.session.commit()
    series_id = series.id
    db.session.remove()

    downgrade(revision="0011_audit")
    assert "search_document" not in sa.inspect(db.engine).get_table_names()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("event_series"))) == 1
    db.session.remove()

    upgrade()
    assert list(db.session.scalars(matching_ids(["kite", "fest"]))) == [series_id]
    assert list(db.session.scalars(matching_ids(["rode"]))) == [series_id]
    assert list(db.session.scalars(matching_ids(["kulturarv"]))) == [series_id]  # the topic's Bokmål name
    assert list(db.session.scalars(matching_ids(["kites"]))) == []
