"""Co-organisers' consent: an organisation named as co-organiser of a series shows it on its profile,
in its feeds and in its subscribers' reminders only once it accepted.

One row of ``series_coorganiser`` per (series, organisation) holds the status: pending when named,
accepted or declined by one of the named organisation's editors or a coordinator. Whoever names an
organisation they may accept for (a coordinator, or an editor of both) accepts it in the same step.
A pending request is emailed to the named organisation's editors (the notice ``coorganiser-request``).
Declining keeps the row (so the same request is not sent again on every save of the series) and
changes nothing else; the organiser removing a co-organiser deletes only that row.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_babel import gettext as _

from ink.auth.models import User
from ink.core import signals
from ink.core.errors import N_, NotFound
from ink.events.models import CoorganiserStatus, EventSeries, series_coorganiser
from ink.events.search import reindex_series
from ink.extensions import db
from ink.notices import queue_notice, register_notice
from ink.organisations.models import Membership, Organisation
from ink.urls import absolute_url

REQUEST_NOTICE = "coorganiser-request"


@dataclass(frozen=True)
class CoorganiserRequest:
    """One named co-organiser of a series and where its consent stands."""

    series: EventSeries
    organisation: Organisation
    status: CoorganiserStatus
    requested_at: datetime | None
    decided_at: datetime | None

    @property
    def is_pending(self) -> bool:
        return self.status == CoorganiserStatus.PENDING

    @property
    def is_accepted(self) -> bool:
        return self.status == CoorganiserStatus.ACCEPTED

    @property
    def is_declined(self) -> bool:
        return self.status == CoorganiserStatus.DECLINED


def _row_clause(series_id: int, organisation_id: int) -> sa.ColumnElement[bool]:
    return sa.and_(series_coorganiser.c.series_id == series_id,
                   series_coorganiser.c.organisation_id == organisation_id)


def _set_status(series: EventSeries, organisation_id: int, status: CoorganiserStatus, *,
                by_id: int | None, now: datetime) -> None:
    db.session.execute(sa.update(series_coorganiser).where(_row_clause(series.id, organisation_id))
                       .values(status=status.value, decided_at=now, decided_by_id=by_id))
    db.session.expire(series, ["accepted_coorganisers"])
    reindex_series(db.session.connection(), [series.id])  # search finds a series by its accepted co-organisers


def editors_of(organisation_id: int) -> list[User]:
    """The active accounts that edit this organisation."""
    return list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, User.is_active_account.is_(True))
        .order_by(User.id)
    ))


def settle_named(series: EventSeries, named_before: set[int], consenting: frozenset[int], *,
                 by_id: int | None, now: datetime) -> None:
    """After a save set the series' co-organisers: each newly named one is accepted at once when the
    person saving may accept for it (``consenting``), else it is pending and its editors are asked."""
    db.session.flush()
    for organisation in series.coorganisers:
        if organisation.id in named_before:
            continue
        if organisation.id in consenting:
            _set_status(series, organisation.id, CoorganiserStatus.ACCEPTED, by_id=by_id, now=now)
            continue
        db.session.execute(sa.update(series_coorganiser).where(_row_clause(series.id, organisation.id))
                           .values(status=CoorganiserStatus.PENDING.value, requested_at=now))
        for editor in editors_of(organisation.id):
            queue_notice(REQUEST_NOTICE, ref=f"{series.id}:{organisation.id}:{int(now.timestamp())}",
                         recipient=editor.email, locale=editor.locale, now=now, user_id=editor.id,
                         payload={"series_id": series.id, "organisation_id": organisation.id})
    db.session.expire(series, ["accepted_coorganisers"])


def get_request(series: EventSeries, organisation: Organisation) -> CoorganiserRequest:
    """The consent row of this organisation on this series; NotFound when it is not named there."""
    row = db.session.execute(sa.select(series_coorganiser).where(_row_clause(series.id, organisation.id))).first()
    if row is None:
        raise NotFound(N_("That organisation is not named as a co-organiser of this event."))
    return CoorganiserRequest(series, organisation, CoorganiserStatus(row.status), row.requested_at, row.decided_at)


def accept_coorganising(series: EventSeries, organisation: Organisation, *, by_id: int | None,
                        now: datetime) -> None:
    """The organisation agrees to be named: the series now shows on its pages, feeds and reminders."""
    get_request(series, organisation)
    _set_status(series, organisation.id, CoorganiserStatus.ACCEPTED, by_id=by_id, now=now)
    signals.series_changed.send(series, now=now)


def decline_coorganising(series: EventSeries, organisation: Organisation, *, by_id: int | None,
                         now: datetime) -> None:
    """The organisation does not want to be named (or no longer): nothing else about the series changes."""
    get_request(series, organisation)
    _set_status(series, organisation.id, CoorganiserStatus.DECLINED, by_id=by_id, now=now)
    signals.series_changed.send(series, now=now)


def coorganiser_requests(organisation_ids: set[int] | None, *,
                         statuses: tuple[CoorganiserStatus, ...] = tuple(CoorganiserStatus),
                         limit: int | None = None) -> list[CoorganiserRequest]:
    """Co-organiser rows of these organisations (all when None) in these statuses, most recent first
    (rows from before consent existed, with no dates, last)."""
    latest = sa.func.coalesce(series_coorganiser.c.decided_at, series_coorganiser.c.requested_at)
    query = (sa.select(series_coorganiser, EventSeries, Organisation)
             .join(EventSeries, EventSeries.id == series_coorganiser.c.series_id)
             .join(Organisation, Organisation.id == series_coorganiser.c.organisation_id)
             .where(series_coorganiser.c.status.in_([status.value for status in statuses]))
             .order_by(latest.desc().nulls_last(), EventSeries.title, Organisation.name, EventSeries.id)
             .limit(limit))
    if organisation_ids is not None:
        query = query.where(series_coorganiser.c.organisation_id.in_(organisation_ids or {-1}))
    return [CoorganiserRequest(row.EventSeries, row.Organisation, CoorganiserStatus(row.status),
                               row.requested_at, row.decided_at) for row in db.session.execute(query)]


def series_requests(series: EventSeries) -> list[CoorganiserRequest]:
    """Every co-organiser named on this series with where its consent stands, by name."""
    query = (sa.select(series_coorganiser, Organisation)
             .join(Organisation, Organisation.id == series_coorganiser.c.organisation_id)
             .where(series_coorganiser.c.series_id == series.id).order_by(Organisation.name))
    return [CoorganiserRequest(series, row.Organisation, CoorganiserStatus(row.status), row.requested_at,
                               row.decided_at) for row in db.session.execute(query)]


def count_pending(organisation_ids: set[int] | None) -> int:
    """How many co-organiser requests wait for these organisations (all when None)."""
    query = sa.select(sa.func.count()).select_from(series_coorganiser).where(
        series_coorganiser.c.status == CoorganiserStatus.PENDING.value)
    if organisation_ids is not None:
        query = query.where(series_coorganiser.c.organisation_id.in_(organisation_ids or {-1}))
    return db.session.scalar(query) or 0


# --- the request email ---------------------------------------------------------------------------

def _request_context(payload: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
    series = db.session.get(EventSeries, int(payload["series_id"]))
    organisation = db.session.get(Organisation, int(payload["organisation_id"]))
    if series is None or organisation is None:
        return None
    row = db.session.execute(sa.select(series_coorganiser.c.status)
                             .where(_row_clause(series.id, organisation.id))).first()
    if row is None or row.status != CoorganiserStatus.PENDING.value:
        return None  # removed, or already decided: nothing to ask any more
    return {
        "organisation": organisation.name, "title": series.title,
        "paragraphs": [
            _("%(organiser)s names %(organisation)s as a co-organiser of “%(title)s”.",
              organiser=series.organisation.name, organisation=organisation.name, title=series.title),
            _("Until one of the editors of %(organisation)s accepts, the event does not show on its page, "
              "in its calendar feeds or in the reminders its subscribers receive.", organisation=organisation.name),
        ],
        "quote": "",
        "action_label": _("Accept or decline"),
        "action_url": absolute_url("events.coorganising"),
    }


def register_notices(app: Flask) -> None:
    """Register this domain's notice: the request to a named co-organiser's editors."""
    register_notice(app, REQUEST_NOTICE, template="notice",
                    subject=N_("%(organisation)s is named as co-organiser of “%(title)s”"),
                    context=_request_context)
