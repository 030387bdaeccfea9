"""Invitations to become an editor of an organisation: invite (or refresh), re-send, revoke, accept.

The emailed link is a signed token (purpose ``INVITATION``) naming the invitation and its current
nonce; it works once, until the invitation expires (``INVITATION_EXPIRY_DAYS``). Re-sending makes a
new nonce, so only the newest email's link works. Nothing here tells whether an address already has
an account: an invitation is made and sent the same way either way, and accepting with a new
account for an address that has one adds nothing (the person signs in instead).

Services only: rate limits and sign-in are the views' part.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ink.auth.models import User, normalise_email
from ink.auth.service import create_user, find_user_by_email
from ink.core.errors import N_, DomainError, NotFound, ValidationFailed
from ink.extensions import db
from ink.notices import queue_notice
from ink.organisations.models import Invitation, InvitationStatus, Membership, Organisation
from ink.organisations.service import add_editor
from ink.tokens import BadToken, make_token, read_token

INVITATION = "ink.organisations.invitation"
NOTICE = "invitation"


class InvitationUnusable(DomainError):
    """The link cannot be used; ``reason`` is invalid, expired, revoked, used or replaced."""

    status_code = 410

    MESSAGES = {
        "invalid": N_("This invitation link is not valid. Check that you copied the whole link from the email."),
        "expired": N_("This invitation has expired. Ask the person who invited you to send a new one."),
        "revoked": N_("This invitation was withdrawn. Ask the organisation or a coordinator if you think that is a mistake."),
        "used": N_("This invitation has already been accepted. Sign in to continue."),
        "replaced": N_("A newer invitation email replaced this one. Use the link in the latest email."),
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.MESSAGES[reason])
        self.status_code = 400 if reason == "invalid" else 410


def _expiry(now: datetime) -> datetime:
    return now + timedelta(days=int(current_app.config["INVITATION_EXPIRY_DAYS"]))


def _check_email(email: str) -> str:
    email = normalise_email(email)
    if not email or "@" not in email or len(email) > 254:
        raise ValidationFailed(N_("A valid email address is required."), "email")
    return email


def pending_invitation(organisation: Organisation, email: str) -> Invitation | None:
    """The organisation's pending invitation for this address, or None."""
    return db.session.scalar(sa.select(Invitation).where(
        Invitation.organisation_id == organisation.id, Invitation.email == normalise_email(email),
        Invitation.status == InvitationStatus.PENDING,
    ))


def invite(organisation: Organisation, email: str, *, invited_by: User | None, now: datetime,
           locale: str | None = None) -> Invitation:
    """Create or refresh a pending invitation to edit the organisation and queue its email (in ``locale``,
    else the inviter's language); ``invited_by=None`` means the network invites."""
    email = _check_email(email)
    language = locale or (invited_by.locale if invited_by is not None else None) or \
        current_app.config["BABEL_DEFAULT_LOCALE"]
    invitation = pending_invitation(organisation, email)
    if invitation is None:
        invitation = Invitation(organisation=organisation, email=email, created_at=now, send_count=0)
        db.session.add(invitation)
    invitation.invited_by = invited_by
    invitation.locale = language
    return _send(invitation, now=now)


def resend_invitation(invitation: Invitation, *, now: datetime, by: User | None = None) -> Invitation:
    """Send a pending invitation again with a fresh link and expiry (the older link stops working)."""
    if not invitation.is_pending:
        raise ValidationFailed(N_("Only a pending invitation can be sent again."))
    if by is not None:
        invitation.invited_by = by
    return _send(invitation, now=now)


def _send(invitation: Invitation, *, now: datetime) -> Invitation:
    invitation.status = InvitationStatus.PENDING
    invitation.nonce = secrets.token_hex(16)
    invitation.sent_at = now
    invitation.expires_at = _expiry(now)
    invitation.send_count = (invitation.send_count or 0) + 1
    db.session.flush()
    queue_notice(NOTICE, ref=f"{invitation.id}:{invitation.nonce}", recipient=invitation.email,
                 locale=invitation.locale, now=now, payload={"invitation_id": invitation.id, "nonce": invitation.nonce})
    return invitation


def revoke_invitation(invitation: Invitation, *, now: datetime) -> None:
    """Withdraw a pending invitation: its link then says so (an unsent email is not sent)."""
    if invitation.is_pending:
        invitation.status = InvitationStatus.REVOKED
        invitation.ended_at = now


def pending_invitations(organisation: Organisation) -> list[Invitation]:
    """The organisation's pending invitations, newest first (expired ones included: they can be re-sent)."""
    return list(db.session.scalars(sa.select(Invitation).where(
        Invitation.organisation_id == organisation.id, Invitation.status == InvitationStatus.PENDING,
    ).order_by(Invitation.sent_at.desc(), Invitation.id.desc())))


def get_invitation(organisation: Organisation, invitation_id: int) -> Invitation:
    """One of the organisation's invitations; NotFound if it is not one of them."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        raise NotFound(N_("No such invitation."))
    return invitation


def invitation_token(invitation: Invitation) -> str:
    """The signed token of the invitation's current link."""
    return make_token(INVITATION, {"i": invitation.id, "n": invitation.nonce}, expires_at=invitation.expires_at)


def read_invitation(token: str, *, now: datetime) -> Invitation:
    """The pending invitation a link names; InvitationUnusable saying why it cannot be used."""
    try:
        payload = read_token(INVITATION, token, now=now)
    except BadToken as error:
        raise InvitationUnusable(error.reason) from error
    invitation_id, nonce = payload.get("i"), payload.get("n")
    invitation = db.session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    if invitation is None or not isinstance(nonce, str):
        raise InvitationUnusable("invalid")
    if invitation.is_accepted:
        raise InvitationUnusable("used")
    if invitation.is_revoked:
        raise InvitationUnusable("revoked")
    if not secrets.compare_digest(invitation.nonce, nonce):
        raise InvitationUnusable("replaced")
    if invitation.is_expired(now):
        raise InvitationUnusable("expired")
    return invitation


def accept_invitation(invitation: Invitation, user: User, *, now: datetime) -> Membership:
    """The signed-in user becomes an editor of the invitation's organisation; the invitation is used up."""
    if not invitation.is_pending or invitation.is_expired(now):
        raise InvitationUnusable("used" if invitation.is_accepted else "expired")
    membership = add_editor(invitation.organisation, user)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.ended_at = now
    invitation.accepted_by_id = user.id
    return membership


def accept_with_new_account(invitation: Invitation, *, name: str, password: str, now: datetime) -> User | None:
    """A new account for the invited address, made an editor; None (and nothing done) when the address
    already has an account: its owner signs in to accept instead. ValidationFailed for a bad password."""
    if find_user_by_email(invitation.email) is not None:
        return None
    if not name.strip():
        raise ValidationFailed(N_("Please give your name."), "name")
    user = create_user(invitation.email, password, name=name, now=now, locale=invitation.locale)
    accept_invitation(invitation, user, now=now)
    return user
