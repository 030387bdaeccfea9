"""The organisations domain's emails (ink/notices.py): the invitation to become an editor.

Registered from create_app; the context is made when the email is sent, in the recipient's language,
and is None (nothing sent) once the invitation was revoked, accepted or re-sent with a newer link.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Flask
from flask_babel import gettext as _

from ink.core.errors import N_
from ink.extensions import db
from ink.i18n import fmt_datetime
from ink.notices import register_notice
from ink.organisations.invitations import NOTICE, invitation_token
from ink.organisations.models import Invitation
from ink.urls import absolute_url


def register_notices(app: Flask) -> None:
    """Register the invitation email."""
    register_notice(app, NOTICE, template="notice", context=invitation_context,
                    subject=N_("You are invited to edit %(organisation)s on INK Events"))


def invitation_context(payload: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
    """The invitation email's paragraphs and link, or None when the invitation is no longer open."""
    invitation = db.session.get(Invitation, payload.get("invitation_id"))
    if invitation is None or not invitation.is_pending or invitation.nonce != payload.get("nonce") \
            or invitation.is_expired(now):
        return None
    organisation = invitation.organisation.name
    if invitation.invited_by is not None:
        first = _("%(inviter)s invites you to become an editor of %(organisation)s on INK Events, the shared "
                  "programme of the intercultural network.", inviter=invitation.invited_by.display_name,
                  organisation=organisation)
    else:
        first = _("The intercultural network invites you to become an editor of %(organisation)s on INK Events, "
                  "its shared programme.", organisation=organisation)
    return {
        "organisation": organisation,
        "paragraphs": [
            first,
            _("Open the link below to choose your name and password. If you already have an account, "
              "sign in there instead and the organisation is added to it."),
            _("The link works once and until %(when)s.", when=fmt_datetime(invitation.expires_at)),
            _("If you did not expect this invitation, you can ignore this email."),
        ],
        "action_label": _("Accept the invitation"),
        "action_url": absolute_url("invitations.accept", token=invitation_token(invitation)),
    }
