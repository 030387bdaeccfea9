"""0006_audiences: free-text audiences become the controlled set where obvious, and the text stays as the note."""
from __future__ import annotations

import importlib
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from ink.events.models import Audience, EventSeries
from ink.events.service import SeriesData, create_series
from ink.extensions import db
from ink.organisations.models import OrganisationStatus
from ink.organisations.service import OrganisationData, create_organisation

pytestmark = pytest.mark.slow
migration = importlib.import_module("migrations.versions.0006_audiences")
NOW = datetime(2026, 6, 2, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "expected"), [
    ("Everyone", ["everyone"]),
    ("Everyone welcome", ["everyone"]),
    ("Alle", ["everyone"]),
    ("alle er velkomne", ["everyone"]),
    ("Children and their families", ["children", "families"]),
    ("Barn og foreldre", ["children"]),
    ("Young people", ["youth"]),
    ("Unge voksne", ["youth"]),
    ("Adults who want to practise Norwegian", ["adults"]),
    ("Women only", ["women"]),
    ("Newcomers and anyone with questions", ["newcomers"]),
    ("Seniors", ["seniors"]),
    ("Those who like chess", []),
    ("", []),
])
def test_free_text_maps_to_the_set_where_obvious(text: str, expected: list[str]) -> None:
    assert migration.audiences_of(text) == expected
    assert set(expected) <= {audience.value for audience in Audience}


def _series(title: str, **data: object) -> int:
    organisation = create_organisation(OrganisationData(name=f"Org {title}"), now=NOW, status=OrganisationStatus.ACTIVE)
    series = create_series(SeriesData(title=title, organisation=organisation, start_local=datetime(2026, 6, 3, 18, 0),
                                      **data), now=NOW)  # type: ignore[arg-type]
    db.session.commit()
    return series.id


def test_downgrade_keeps_the_text_and_upgrade_maps_it_back(migration_app: Flask, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    # Going below 0011_audit drops the audit log, which holds the entries of the series made here.
    monkeypatch.setenv("INK_CONFIRM_DATA_LOSS", "1")
    upgrade()
    noted = _series("Noted", audience_note="Children and their families")
    chosen = _series("Chosen", audiences=[Audience.SENIORS, Audience.EVERYONE])
    db.session.remove()

    downgrade(revision="0005_versions")
    texts = dict(db.session.execute(sa.text("SELECT title, audience FROM event_series")).all())
    assert texts == {"Noted": "Children and their families", "Chosen": "Everyone, Seniors"}
    db.session.remove()

    upgrade()
    assert db.session.get(EventSeries, noted).audiences == [Audience.CHILDREN, Audience.FAMILIES]
    assert db.session.get(EventSeries, noted).audience_note == "Children and their families"
    assert db.session.get(EventSeries, chosen).audiences == [Audience.EVERYONE, Audience.SENIORS]
    assert db.session.get(EventSeries, chosen).audience_note == "Everyone, Seniors"
