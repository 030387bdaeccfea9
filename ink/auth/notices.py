"""The auth domain's emails (ink/notices.py): password reset, email-change confirmation (to the new
address) and the email-changed notice (to the old one).

Registered from create_app; each context is made when the email is sent, in the recipient's language,
and is None (nothing sent) once the link it would carry no longer works.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from flask import Flask
from flask_babel import gettext as _

from ink.auth.models import User
from ink.auth.service import (
    EMAIL_CHANGE_NOTICE,
    EMAIL_CHANGED_NOTICE,
    RESET_NOTICE,
    email_change_token,
    password_reset_token,
)
from ink.core.errors import N_
from ink.extensions import db
from ink.i18n import fmt_datetime
from ink.notices import register_notice
from ink.urls import absolute_url


def register_notices(app: Flask) -> None:
    """Register the auth domain's three emails."""
    register_notice(app, RESET_NOTICE, template="notice", context=reset_context,
                    subject=N_("Choose a new password for INK Events"))
    register_notice(app, EMAIL_CHANGE_NOTICE, template="notice", context=email_change_context,
                    subject=N_("Confirm your new email address for INK Events"))
    register_notice(app, EMAIL_CHANGED_NOTICE, template="notice", context=email_changed_context,
                    subject=N_("The email address of your INK Events account was changed"))


def _expiry(payload: Mapping[str, Any]) -> datetime | None:
    stamp = payload.get("expires_at")
    return datetime.fromtimestamp(stamp, tz=timezone.utc) if isinstance(stamp, int) else None


def _user(payload: Mapping[str, Any]) -> User | None:
    user_id = payload.get("user_id")
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


def reset_context(payload: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
    """The reset email, unless its link was used or replaced, or has expired."""
    user, expires_at = _user(payload), _expiry(payload)
    if user is None or expires_at is None or expires_at <= now or user.password_reset_nonce != payload.get("nonce"):
        return None
    return {
        "paragraphs": [
            _("Someone, hopefully you, asked to choose a new password for your INK Events account."),
            _("The link below works once and until %(when)s. Choosing a new password signs you out on every "
              "other device.", when=fmt_datetime(expires_at)),
            _("If you did not ask for this, ignore this email: your password stays as it is."),
        ],
        "action_label": _("Choose a new password"),
        "action_url": absolute_url("auth.reset_password", token=password_reset_token(
            user, str(payload["nonce"]), expires_at)),
    }


def email_change_context(payload: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
    """The confirmation sent to the new address, unless its link was used or replaced, or has expired."""
    user, expires_at, new_email = _user(payload), _expiry(payload), payload.get("email")
    if user is None or expires_at is None or expires_at <= now or not isinstance(new_email, str) \
            or user.email_change_nonce != payload.get("nonce"):
        return None
    return {
        "paragraphs": [
            _("Someone, hopefully you, asked to use this address for the INK Events account of %(name)s.",
              name=user.display_name),
            _("Confirm with the link below; it works once and until %(when)s. Until then the account keeps "
              "its old address.", when=fmt_datetime(expires_at)),
            _("If you did not ask for this, ignore this email."),
        ],
        "action_label": _("Confirm the new address"),
        "action_url": absolute_url("auth.confirm_email", token=email_change_token(
            user, str(payload["nonce"]), new_email, expires_at)),
    }


def email_changed_context(payload: Mapping[str, Any], now: datetime) -> dict[str, Any] | None:
    """The notice to the old address that the account now uses another one."""
    user, new_email = _user(payload), payload.get("email")
    if user is None or not isinstance(new_email, str):
        return None
    return {
        "paragraphs": [
            _("The email address of your INK Events account was changed to %(email)s. Emails about the "
              "account now go there.", email=new_email),
            _("If you did not do this, ask the network's coordinators for help at once: someone may be "
              "using your account."),
        ],
        "quote": None, "action_label": _("Sign in"), "action_url": absolute_url("auth.login"),
    }
