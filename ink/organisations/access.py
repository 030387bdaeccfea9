"""Who may do what to which organisation. Load the object first (404), then check here (403)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app

from ink.auth.models import User
from ink.core.errors import N_, Forbidden
from ink.extensions import db
from ink.organisations.models import Membership, Organisation


def is_coordinator(user: Any) -> bool:
    """Whether the user is a signed-in coordinator."""
    return bool(getattr(user, "is_authenticated", False) and user.is_coordinator)


def editor_organisation_ids(user: Any) -> set[int]:
    """The ids of the organisations the user is an editor of (none when signed out)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(sa.select(Membership.organisation_id).where(Membership.user_id == user.id)))


def can_manage_organisation(user: Any, organisation: Organisation) -> bool:
    """Whether the user may edit the organisation (a coordinator or one of its editors)."""
    return is_coordinator(user) or organisation.id in editor_organisation_ids(user)


def require_coordinator(user: Any) -> None:
    """Raise Forbidden unless the user is a coordinator."""
    if not is_coordinator(user):
        raise Forbidden(N_("Only coordinators can do that."))


def require_organisation_manager(user: Any, organisation: Organisation) -> None:
    """Raise Forbidden unless the user may edit the organisation."""
    if not can_manage_organisation(user, organisation):
        raise Forbidden(N_("You are not an editor of this organisation."))


def can_invite(user: Any, organisation: Organisation) -> bool:
    """Whether the user may invite editors to the organisation: coordinators, and its editors unless
    the network turned that off (EDITORS_MAY_INVITE)."""
    if is_coordinator(user):
        return True
    return bool(current_app.config["EDITORS_MAY_INVITE"]) and organisation.id in editor_organisation_ids(user)


def require_inviter(user: Any, organisation: Organisation) -> None:
    """Raise Forbidden unless the user may invite editors to (and manage invitations of) the organisation."""
    if not can_invite(user, organisation):
        raise Forbidden(N_("You may not invite editors to this organisation."))


def manageable_organisations(user: User) -> list[Organisation]:
    """Organisations the user may act for: all for coordinators, their own for editors."""
    query = sa.select(Organisation).order_by(Organisation.name)
    if not is_coordinator(user):
        query = query.where(Organisation.id.in_(editor_organisation_ids(user)))
    return list(db.session.scalars(query))
