"""Venue clashes in words, for the person reading them: the warning after a save and the clashes page.

Another organisation's event that this reader may not see (a draft, or one not public yet) is not
named: it reads "an unpublished event of another organisation", so a warning never leaks a draft's title.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from ink.events.access import can_manage_series
from ink.events.clashes import Clash, ClashGroup, group_clashes
from ink.events.models import EventSeries, Occurrence
from ink.events.summary import schedule_summary
from ink.i18n import fmt_when


def may_see(user: Any, series: EventSeries) -> bool:
    """Whether the reader may see the series by name: its managers always, everyone once it is public."""
    return series.is_public or can_manage_series(user, series)


def series_label(user: Any, series: EventSeries) -> str:
    """The series' title (marked when a draft) or, when the reader may not see it, a neutral phrase."""
    if not may_see(user, series):
        return _("an unpublished event of another organisation")
    if series.is_draft:
        return _("%(title)s (draft)", title=series.title)
    return series.title


def date_label(occ: Occurrence) -> str:
    """When one date takes place, in full ("Tuesday 9 June 2026, 17:00–19:00")."""
    return fmt_when(occ.start_at, occ.end_at, occ.series.is_all_day, format="full")


def group_warning(user: Any, group: ClashGroup) -> str:
    """One sentence naming the other event, its time or schedule, the venue and how many dates clash."""
    first = group.first
    other = series_label(user, group.other)
    if group.count == 1:
        return _("Venue clash: %(date)s clashes with %(other)s (%(when)s) at %(venue)s.",
                 date=date_label(first.ours), other=other, when=date_label(first.other), venue=group.venue.name)
    schedule = (schedule_summary(group.other) if may_see(user, group.other) else None) or date_label(first.other)
    return ngettext(
        "Venue clash: %(num)d date clashes with %(other)s (%(schedule)s) at %(venue)s, first on %(date)s.",
        "Venue clash: %(num)d dates clash with %(other)s (%(schedule)s) at %(venue)s, first on %(date)s.",
        group.count, other=other, schedule=schedule, venue=group.venue.name, date=date_label(first.ours),
    )


def clash_warnings(user: Any, clashes: list[Clash]) -> list[str]:
    """The warnings to show after saving: one per other event and venue."""
    return [group_warning(user, group) for group in group_clashes(clashes)]
