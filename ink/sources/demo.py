"""The demo network's calendar source: the Lithuanian community's own calendar, a sample file the demo
serves itself (/demo/calendar.ics), connected and synced so a newcomer sees a synced organisation."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ink.extensions import db
from ink.organisations.models import Organisation
from ink.sources.fetch import Fetched
from ink.sources.models import CalendarSource
from ink.sources.sync import apply_fetch
from ink.sources.views import DEMO_CALENDAR
from ink.urls import absolute_url

DEMO_ORGANISATION = "lithuanian-community"


def seed_demo_source(*, now: datetime) -> int:
    """Connect the demo calendar once and sync it from the file (no network); returns series created."""
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.slug == DEMO_ORGANISATION))
    if organisation is None or db.session.scalar(
            sa.select(CalendarSource.id).where(CalendarSource.organisation_id == organisation.id)):
        return 0
    source = CalendarSource(organisation=organisation, name="Lithuanian Community – activities",
                            url=absolute_url("sources.demo_calendar"), created_at=now, problems=[], status_params={})
    db.session.add(source)
    db.session.flush()
    result = apply_fetch(source, Fetched(not_modified=False, body=DEMO_CALENDAR.read_bytes()), now=now)
    return result.created
