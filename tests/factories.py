"""Callable factories that build through the domain services, as real users would."""
from __future__ import annotations

import itertools
from datetime import datetime

from ink.auth.models import User
from ink.auth.service import create_user
from ink.core.clock import FrozenClock
from ink.events.models import EventSeries, SeriesStatus, Venue
from ink.events.recurrence import Recurrence
from ink.events.service import SeriesData, create_series
from ink.extensions import db
from ink.organisations.models import Organisation, OrganisationModeration, OrganisationStatus
from ink.organisations.service import OrganisationData, add_editor, create_organisation, ensure_topics
from tests.conftest import PASSWORD

_counter = itertools.count(1)


class Factory:
    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock

    def organisation(self, name: str | None = None, *, status: OrganisationStatus = OrganisationStatus.ACTIVE,
                     moderation: OrganisationModeration = OrganisationModeration.TRUSTED,
                     **kwargs: object) -> Organisation:
        """An organisation, active and trusted unless told (trusted: its editors publish directly, as
        every organisation did before moderation existed, so older tests keep their meaning)."""
        data = OrganisationData(name=name or f"Organisation {next(_counter)}", **kwargs)  # type: ignore[arg-type]
        organisation = create_organisation(data, now=self.clock.now(), status=status, moderation=moderation)
        db.session.commit()
        return organisation

    def user(self, email: str | None = None, *, coordinator: bool = False,
             editor_of: list[Organisation] | None = None, password: str = PASSWORD) -> User:
        user = create_user(email or f"user{next(_counter)}@example.org", password,
                           is_coordinator=coordinator, now=self.clock.now())
        for organisation in editor_of or []:
            add_editor(organisation, user)
        db.session.commit()
        return user

    def coordinator(self, email: str = "coordinator@example.org") -> User:
        return self.user(email, coordinator=True)

    def venue(self, name: str | None = None, **kwargs: object) -> Venue:
        n = next(_counter)
        venue = Venue(name=name or f"Venue {n}", slug=kwargs.pop("slug", f"venue-{n}"), **kwargs)  # type: ignore[arg-type]
        db.session.add(venue)
        db.session.commit()
        return venue

    def topics(self):  # type: ignore[no-untyped-def]
        topics = ensure_topics()
        db.session.commit()
        return topics

    def series(self, *, organisation: Organisation | None = None, title: str | None = None,
               start_local: datetime = datetime(2026, 6, 2, 18, 0), recurrence: Recurrence | None = None,
               status: SeriesStatus = SeriesStatus.PUBLISHED, **kwargs: object) -> EventSeries:
        # Co-organisers are named as by a coordinator (accepted at once) unless coorganisers_accepted=False.
        accepted = kwargs.pop("coorganisers_accepted", True)
        data = SeriesData(
            title=title or f"Event {next(_counter)}",
            organisation=organisation or self.organisation(),
            start_local=start_local,
            recurrence=recurrence or Recurrence(),
            **kwargs,  # type: ignore[arg-type]
        )
        if accepted:
            data.consenting = frozenset(o.id for o in data.coorganisers)
        series = create_series(data, now=self.clock.now(), status=status)
        db.session.commit()
        return series
