"""Signing in and out of the browser (request side): a fresh Flask session, a server-side sign-in
record (ink.auth.service.start_session) whose key Flask-Login keeps in the session and the remember
cookie, and the sign-in ended on the server at sign-out, so a copied cookie no longer works.

Used by the auth views and by other domains' pages that sign someone in (accepting an invitation).
"""
from __future__ import annotations

from flask import session
from flask_login import current_user, login_user, logout_user

from ink.auth.models import User
from ink.auth.service import end_all_sessions, end_session, start_session
from ink.extensions import now


def sign_in(user: User, *, remember: bool = False) -> None:
    """Start a new sign-in for the user in this browser (nothing of the session before survives)."""
    session.clear()
    start_session(user, now=now())
    login_user(user, remember=remember)


def sign_out(*, everywhere: bool = False) -> None:
    """End this browser's sign-in on the server too (or every sign-in of the user), then forget it here."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    if user is not None:
        if everywhere:
            end_all_sessions(user)
        else:
            end_session(user)
    logout_user()
    session.clear()
    session["_remember"] = "clear"  # Flask-Login then deletes the remember cookie too (clear() dropped its mark)
