"""Who may manage which series. Built on organisation access: an organisation's editors manage the
series it organises; coordinators manage every series. Load the object first (404), then check (403)."""
from __future__ import annotations

from typing import Any

from ink.core.errors import N_, Forbidden
from ink.events.models import EventSeries
from ink.organisations.access import can_manage_organisation, is_coordinator


def can_manage_series(user: Any, series: EventSeries) -> bool:
    """Whether the user may edit the series (a coordinator or an editor of its organisation)."""
    return can_manage_organisation(user, series.organisation)


def require_series_manager(user: Any, series: EventSeries) -> None:
    """Raise Forbidden unless the user may edit the series."""
    if not can_manage_series(user, series):
        raise Forbidden(N_("You are not an editor of the organisation that runs this event."))


def require_venue_manager(user: Any) -> None:
    """Venues are shared by the whole network, so only coordinators edit them."""
    if not is_coordinator(user):
        raise Forbidden(N_("Only coordinators can manage venues."))
