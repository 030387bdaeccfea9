"""Organisations joining the network: an application sent from /join, confirmed by its applicant's email,
then approved (the organisation is created, active, and the applicant becomes its first editor) or
declined with a message by a coordinator.

Tokens (itsdangerous, one salt per purpose): the confirmation link (single-use: it names the
application's nonce, cleared when used; it expires after ``JOIN_CONFIRM_HOURS`` of the injected clock)
and the form's start stamp (when the form was shown, for the minimum fill time). Emails are notices
(ink/notices.py): ``join-confirm`` to the applicant, ``join-waiting`` to the coordinators once
confirmed, ``join-approved`` and ``join-declined`` to the applicant. Services never commit.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from ink.auth.models import User, normalise_email
from ink.core.errors import N_, Conflict, NotFound
from ink.core.text import slugify
from ink.extensions import db
from ink.notices import queue_notice, register_notice
from ink.organisations.access import is_coordinator
from ink.organisations.models import (
    ApplicationStatus,
    Organisation,
    OrganisationApplication,
    OrganisationStatus,
    Topic,
)
from ink.organisations.invitations import invite
from ink.organisations.service import OrganisationData, create_organisation
from ink.panels import register_panel
from ink.tokens import BadToken, make_token, read_token
from ink.urls import absolute_url

CONFIRM_SALT = "ink.organisations.join-confirm"
STARTED_SALT = "ink.organisations.join-started"
CONFIRM_NOTICE = "join-confirm"
WAITING_NOTICE = "join-waiting"
APPROVED_NOTICE = "join-approved"
DECLINED_NOTICE = "join-declined"


class BadJoinToken(Exception):
    """A join link or form stamp that is forged, tampered with, expired or used; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid" | "expired" | "used"


@dataclass
class ApplicationData:
    """What an organisation sends through /join (the form's cleaned data)."""

    name: str
    applicant_name: str
    applicant_email: str
    description: str = ""
    website: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    languages: list[str] = field(default_factory=list)
    topic_ids: list[int] = field(default_factory=list)


# --- tokens (ink/tokens.py: signed per purpose, expiring by the injected clock) --------------------

def make_started_token(now: datetime) -> str:
    """The form's hidden stamp: when it was shown (signed, so a bot cannot backdate it)."""
    hours = int(current_app.config["JOIN_FORM_MAX_HOURS"])
    return make_token(STARTED_SALT, {"t": _stamp(now)}, expires_at=now + timedelta(hours=hours))


def read_started_token(token: str, now: datetime) -> datetime:
    """When the form carrying this stamp was shown; BadJoinToken "invalid" (not ours) or "expired" (too old)."""
    try:
        payload = read_token(STARTED_SALT, token, now=now)
    except BadToken as error:
        raise BadJoinToken(error.reason) from error
    if not isinstance(payload.get("t"), int):
        raise BadJoinToken("invalid")
    return datetime.fromtimestamp(payload["t"], tz=timezone.utc)


def confirm_token(application: OrganisationApplication, now: datetime) -> str:
    """The signed single-use confirmation link's token for this application (expiring)."""
    hours = int(current_app.config["JOIN_CONFIRM_HOURS"])
    return make_token(CONFIRM_SALT, {"a": application.id, "n": application.nonce},
                      expires_at=now + timedelta(hours=hours))


def application_for_token(token: str, now: datetime) -> OrganisationApplication:
    """The unconfirmed application this confirmation token names; BadJoinToken when it cannot be used."""
    try:
        payload = read_token(CONFIRM_SALT, token, now=now)
    except BadToken as error:
        if error.reason != "expired":
            raise BadJoinToken("invalid") from error
        payload = None
    if payload is None:
        raise BadJoinToken("expired")
    identifier = payload.get("a")
    if not isinstance(identifier, int) or not 0 < identifier < 2**31:
        raise BadJoinToken("invalid")
    application = db.session.get(OrganisationApplication, identifier)
    if application is None:
        raise BadJoinToken("invalid")
    if not application.is_unconfirmed or application.nonce is None or application.nonce != payload.get("n"):
        raise BadJoinToken("used")
    return application


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


# --- applying and confirming ----------------------------------------------------------------------

def _name_taken(name: str, *, exclude_application_id: int | None = None, check_slug: bool = True) -> bool:
    lowered = name.strip().lower()
    if db.session.scalar(sa.select(Organisation.id).where(sa.func.lower(Organisation.name) == lowered).limit(1)):
        return True
    if check_slug and db.session.scalar(sa.select(Organisation.id).where(Organisation.slug == slugify(name)).limit(1)):
        return True
    query = sa.select(OrganisationApplication.id).where(
        sa.func.lower(OrganisationApplication.name) == lowered,
        OrganisationApplication.status == ApplicationStatus.WAITING)
    if exclude_application_id is not None:
        query = query.where(OrganisationApplication.id != exclude_application_id)
    return db.session.scalar(query.limit(1)) is not None


def apply_to_join(data: ApplicationData, *, locale: str, now: datetime) -> OrganisationApplication:
    """Store an application (unconfirmed) and email its applicant the confirmation link; Conflict on the
    name field when an organisation (or a waiting application) already has that name or address."""
    if _name_taken(data.name):
        raise Conflict(N_("An organisation with this name already exists or has applied."), "name")
    topic_ids = list(db.session.scalars(sa.select(Topic.id).where(Topic.id.in_(data.topic_ids or []))))
    application = OrganisationApplication(
        name=data.name.strip(), description=data.description.strip(), website=data.website or None,
        contact_email=data.contact_email or None, contact_phone=data.contact_phone or None,
        languages=list(dict.fromkeys(data.languages)), topic_ids=sorted(topic_ids),
        applicant_name=data.applicant_name.strip(), applicant_email=normalise_email(data.applicant_email),
        locale=locale, status=ApplicationStatus.UNCONFIRMED, nonce=secrets.token_urlsafe(16),
        created_at=now, decline_message="",
    )
    db.session.add(application)
    db.session.flush()
    queue_notice(CONFIRM_NOTICE, ref=f"{application.id}:{application.nonce}", recipient=application.applicant_email,
                 locale=locale, now=now, payload={"application_id": application.id})
    return application


def confirm_application(application: OrganisationApplication, *, now: datetime) -> None:
    """The applicant confirmed the address: the application joins the coordinators' queue (and they hear of it)."""
    application.status = ApplicationStatus.WAITING
    application.confirmed_at = now
    application.nonce = None  # the link is used
    coordinators = db.session.scalars(sa.select(User).where(User.is_coordinator.is_(True),
                                                            User.is_active_account.is_(True)).order_by(User.id))
    for coordinator in coordinators:
        queue_notice(WAITING_NOTICE, ref=str(application.id), recipient=coordinator.email, locale=coordinator.locale,
                     now=now, user_id=coordinator.id, payload={"application_id": application.id})


# --- the coordinators' queue ------------------------------------------------------------------------

def waiting_applications() -> list[OrganisationApplication]:
    """Confirmed applications nobody has decided on, oldest first."""
    return list(db.session.scalars(
        sa.select(OrganisationApplication).where(OrganisationApplication.status == ApplicationStatus.WAITING)
        .order_by(OrganisationApplication.confirmed_at, OrganisationApplication.id)))


def decided_applications(limit: int = 20) -> list[OrganisationApplication]:
    """The most recently approved or declined applications."""
    return list(db.session.scalars(
        sa.select(OrganisationApplication)
        .where(OrganisationApplication.status.in_([ApplicationStatus.APPROVED, ApplicationStatus.DECLINED]))
        .order_by(OrganisationApplication.decided_at.desc(), OrganisationApplication.id.desc()).limit(limit)))


def count_waiting() -> int:
    """How many confirmed applications wait for a coordinator."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(OrganisationApplication)
                             .where(OrganisationApplication.status == ApplicationStatus.WAITING)) or 0


def get_application(application_id: int) -> OrganisationApplication:
    """A confirmed application (waiting or decided); NotFound for unknown or unconfirmed ones."""
    application = db.session.get(OrganisationApplication, application_id)
    if application is None or application.is_unconfirmed:
        raise NotFound(N_("No such application."))
    return application


def application_topics(application: OrganisationApplication) -> list[Topic]:
    """The topics the application chose that still exist."""
    return list(db.session.scalars(sa.select(Topic).where(Topic.id.in_(application.topic_ids or []))
                                   .order_by(Topic.name)))


def _require_waiting(application: OrganisationApplication) -> None:
    if not application.is_waiting:
        raise Conflict(N_("This application was already decided."))


def welcome_first_editor(organisation: Organisation, application: OrganisationApplication, *, now: datetime) -> None:
    """Make the applicant the organisation's first editor: the network invites them (ink/organisations/
    invitations.py), the same way whether or not the address has an account (a new person chooses a
    password; an existing account gains the membership after signing in), so nothing reveals which."""
    invite(organisation, application.applicant_email, invited_by=None, now=now, locale=application.locale)


def approve_application(application: OrganisationApplication, *, name: str, slug: str | None, by: User,
                        now: datetime) -> Organisation:
    """Create the organisation (active) from the application, make its applicant the first editor and tell them."""
    _require_waiting(application)
    name = name.strip() or application.name
    if _name_taken(name, exclude_application_id=application.id, check_slug=False):
        raise Conflict(N_("An organisation with this name already exists or has applied."), "name")
    organisation = create_organisation(OrganisationData(
        name=name, description=application.description, website=application.website,
        contact_email=application.contact_email, contact_phone=application.contact_phone,
        languages=list(application.languages or []), topics=application_topics(application), slug=slug,
    ), now=now, status=OrganisationStatus.ACTIVE)
    application.status = ApplicationStatus.APPROVED
    application.decided_at, application.decided_by_id = now, by.id
    application.organisation_id = organisation.id
    welcome_first_editor(organisation, application, now=now)
    queue_notice(APPROVED_NOTICE, ref=str(application.id), recipient=application.applicant_email,
                 locale=application.locale, now=now, payload={"application_id": application.id})
    return organisation


def decline_application(application: OrganisationApplication, *, message: str, by: User, now: datetime) -> None:
    """Decline the application; the applicant is told, with the coordinator's message quoted."""
    _require_waiting(application)
    application.status = ApplicationStatus.DECLINED
    application.decided_at, application.decided_by_id = now, by.id
    application.decline_message = message.replace("\r\n", "\n").strip()
    queue_notice(DECLINED_NOTICE, ref=str(application.id), recipient=application.applicant_email,
                 locale=application.locale, now=now, payload={"application_id": application.id})


# --- the emails ------------------------------------------------------------------------------------

def _application(payload: Mapping[str, Any]) -> OrganisationApplication | None:
    return db.session.get(OrganisationApplication, int(payload["application_id"]))


def _confirm_context(payload: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
    application = _application(payload)
    if application is None or not application.is_unconfirmed or application.nonce is None:
        return None
    hours = int(current_app.config["JOIN_CONFIRM_HOURS"])
    return {"name": application.name, "paragraphs": [
        _("Someone (we hope you) applied for %(name)s to join the INK network, giving this address.",
          name=application.name),
        ngettext("Please confirm the address within %(hours)s hour; only then do the coordinators see the "
                 "application. If it was not you, ignore this email and nothing happens.",
                 "Please confirm the address within %(hours)s hours; only then do the coordinators see the "
                 "application. If it was not you, ignore this email and nothing happens.", hours, hours=hours),
    ], "quote": "", "action_label": _("Confirm the application"),
        "action_url": absolute_url("joining.confirm", token=confirm_token(application, now))}


def _waiting_context(payload: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
    application = _application(payload)
    if application is None or not application.is_waiting:
        return None
    return {"name": application.name, "paragraphs": [
        _("%(name)s applied to join the network, and %(applicant)s confirmed their address.",
          name=application.name, applicant=application.applicant_name),
    ], "quote": "", "action_label": _("Open the application"),
        "action_url": absolute_url("joining.application", application_id=application.id)}


def _approved_context(payload: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
    application = _application(payload)
    if application is None or not application.is_approved or application.organisation is None:
        return None
    organisation = application.organisation
    return {"name": organisation.name, "paragraphs": [
        _("Welcome! %(name)s is now a member organisation of the INK network, and its page is public.",
          name=organisation.name),
        _("You are its first editor. If you have no account yet, a separate email brings a link to choose "
          "your password; otherwise sign in as usual."),
    ], "quote": "", "action_label": _("The organisation's page"),
        "action_url": absolute_url("public.organisation", slug=organisation.slug)}


def _declined_context(payload: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
    application = _application(payload)
    if application is None or not application.is_declined:
        return None
    paragraphs = [_("The coordinators of the INK network have declined the application of %(name)s.",
                    name=application.name)]
    if application.decline_message:
        paragraphs.append(_("Their message:"))
    return {"name": application.name, "paragraphs": paragraphs, "quote": application.decline_message,
            "action_label": "", "action_url": ""}


def _dashboard_panel(user: Any, obj: Any, now: datetime) -> dict[str, Any] | None:
    """For coordinators: how many confirmed applications wait in the queue."""
    if not is_coordinator(user):
        return None
    return {"waiting": count_waiting()}


def register(app: Flask) -> None:
    """Register the joining emails (notices) and the coordinators' dashboard panel on the app."""
    register_panel(app, "dashboard", "organisations/_applications_panel.html", _dashboard_panel)
    hours = timedelta(hours=int(app.config["JOIN_CONFIRM_HOURS"]))
    register_notice(app, CONFIRM_NOTICE, template="notice", subject=N_("Confirm the application of %(name)s"),
                    context=_confirm_context, expires_after=hours)
    register_notice(app, WAITING_NOTICE, template="notice", subject=N_("%(name)s applies to join the network"),
                    context=_waiting_context)
    register_notice(app, APPROVED_NOTICE, template="notice", subject=N_("%(name)s has joined the INK network"),
                    context=_approved_context)
    register_notice(app, DECLINED_NOTICE, template="notice", subject=N_("Your application for %(name)s"),
                    context=_declined_context)
