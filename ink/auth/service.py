"""Accounts: creation, authentication, server-side sign-in sessions, password and email changes,
password resets, deactivation."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app

from ink.auth.models import User, UserSession, normalise_email
from ink.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    dummy_verify,
    hash_password,
    needs_rehash,
    verify_password,
)
from ink.core.errors import N_, NP_, Conflict, DomainError, ValidationFailed
from ink.extensions import db
from ink.notices import queue_notice
from ink.tokens import BadToken, make_token, read_token

PASSWORD_RESET = "ink.auth.password-reset"
EMAIL_CHANGE = "ink.auth.email-change"
RESET_NOTICE = "password-reset"
EMAIL_CHANGE_NOTICE = "email-change-confirm"
EMAIL_CHANGED_NOTICE = "email-changed"


class LinkUnusable(DomainError):
    """A reset or email-change link that cannot be used; ``reason`` is invalid, expired or used."""

    MESSAGES = {
        "invalid": N_("This link is not valid. Check that you copied the whole link from the email."),
        "expired": N_("This link has expired. Ask for a new one."),
        "used": N_("This link was already used, or a newer email replaced it. Ask for a new one if you need it."),
    }

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(self.MESSAGES[reason])
        self.status_code = 400 if reason == "invalid" else 410


def find_user_by_email(email: str) -> User | None:
    """The user with this email address (normalised), or None."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def check_password_rules(password: str) -> None:
    """Raise ValidationFailed unless the password's length is within the allowed range."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(NP_("The password must have at least %(min)s character.", "The password must have at least %(min)s characters.", "min"), "password", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(NP_("The password may have at most %(max)s character.", "The password may have at most %(max)s characters.", "max"), "password", max=MAX_PASSWORD_LENGTH)


def _check_email(email: str) -> str:
    email = normalise_email(email)
    if not email or "@" not in email or len(email) > 254:
        raise ValidationFailed(N_("A valid email address is required."), "email")
    return email


def create_user(email: str, password: str, *, now: datetime, name: str = "",
                is_coordinator: bool = False, locale: str | None = None) -> User:
    """A new user with a hashed password; ValidationFailed or Conflict for a bad or taken email address."""
    email = _check_email(email)
    if find_user_by_email(email) is not None:
        raise Conflict(N_("An account with that email address already exists."), "email")
    check_password_rules(password)
    user = User(
        email=email, name=name.strip(), password_hash=hash_password(password),
        is_coordinator=is_coordinator, is_active_account=True, locale=locale,
        created_at=now, session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, *, now: datetime) -> User | None:
    """The active user with these credentials, or None. Upgrades the hash if parameters changed.

    Every path costs exactly one Argon2 verification with the configured parameters (an unknown
    address verifies against ``dummy_hash``), so the time taken does not tell whether it has an account."""
    user = find_user_by_email(email)
    if user is None:
        dummy_verify(password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active_account:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def check_password(user: User, password: str) -> bool:
    """Whether this is the user's current password."""
    return verify_password(user.password_hash, password)


# --- sign-in sessions -----------------------------------------------------------------------------

def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user: User, *, now: datetime) -> str:
    """A new server-side sign-in for the user; its key (for the cookie) is set on the user for get_id."""
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=_key_hash(key), created_at=now))
    db.session.flush()
    user.current_session_key = key
    return key


def end_session(user: User) -> None:
    """End the sign-in this request is made under (a copy of its cookie stops working)."""
    key = current_session_key(user)
    if key:
        db.session.execute(sa.delete(UserSession).where(UserSession.key_hash == _key_hash(key)))


def current_session_key(user: User) -> str | None:
    """The key of the sign-in the user was loaded or signed in under in this request, if any."""
    return getattr(user, "current_session_key", None)


def end_other_sessions(user: User, *, keep: str | None) -> int:
    """End every sign-in of the user but the one whose key is ``keep``; how many ended."""
    key = keep
    query = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if key:
        query = query.where(UserSession.key_hash != _key_hash(key))
    return int(cast(sa.CursorResult[Any], db.session.execute(query)).rowcount or 0)


def end_all_sessions(user: User) -> None:
    """End every sign-in of the user, this one included."""
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id))


def session_count(user: User) -> int:
    """How many sign-ins of the user are open."""
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                                 .where(UserSession.user_id == user.id)) or 0)


def load_user_from_session(user_key: str) -> User | None:
    """Flask-Login's user loader: the key is '<user id>:<sign-in key>' of an open sign-in of an active user."""
    user_id, _, key = user_key.partition(":")
    if not user_id.isdigit() or len(user_id) > 12 or not key or len(key) > 100:
        return None
    row = db.session.scalar(sa.select(UserSession).where(UserSession.key_hash == _key_hash(key)))
    if row is None or row.user_id != int(user_id):
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_active_account:
        return None
    user.current_session_key = key
    return user


# --- passwords ------------------------------------------------------------------------------------

def set_password(user: User, password: str, *, keep_session: str | None = None) -> None:
    """Set a new password and end the user's sign-ins, all but ``keep_session`` (the one making the change)."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)
    user.password_reset_nonce = None
    end_other_sessions(user, keep=keep_session)


def change_password(user: User, current: str, new: str) -> None:
    """Change the password after checking the current one (ValidationFailed otherwise); the sign-in
    making the change stays, every other ends."""
    if not check_password(user, current):
        raise ValidationFailed(N_("That is not your current password."), "current_password")
    set_password(user, new, keep_session=current_session_key(user))


def request_password_reset(email: str, *, now: datetime, locale: str | None) -> None:
    """Email a single-use reset link if an active account uses this address; nothing (and no sign of it) otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.is_active_account:
        return
    user.password_reset_nonce = secrets.token_hex(16)
    expires_at = now + timedelta(minutes=int(current_app.config["PASSWORD_RESET_MINUTES"]))
    queue_notice(RESET_NOTICE, ref=f"{user.id}:{user.password_reset_nonce}", recipient=user.email,
                 locale=user.locale or locale, now=now, user_id=user.id,
                 payload={"user_id": user.id, "nonce": user.password_reset_nonce,
                          "expires_at": int(expires_at.timestamp())})


def password_reset_token(user: User, nonce: str, expires_at: datetime) -> str:
    """The signed token of a reset link."""
    return make_token(PASSWORD_RESET, {"u": user.id, "n": nonce}, expires_at=expires_at)


def _user_for(purpose: str, token: str, *, now: datetime) -> tuple[User, dict[str, object]]:
    try:
        payload = read_token(purpose, token, now=now)
    except BadToken as error:
        raise LinkUnusable(error.reason) from error
    user_id = payload.get("u")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not isinstance(payload.get("n"), str):
        raise LinkUnusable("invalid")
    return user, payload


def read_password_reset(token: str, *, now: datetime) -> User:
    """The user a valid, unused reset link belongs to; LinkUnusable saying why not."""
    user, payload = _user_for(PASSWORD_RESET, token, now=now)
    nonce = user.password_reset_nonce
    if not nonce or not secrets.compare_digest(nonce, str(payload["n"])) or not user.is_active_account:
        raise LinkUnusable("used")
    return user


def reset_password(user: User, password: str) -> None:
    """Set the new password from a reset link: the link is used up and every sign-in of the user ends."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)
    user.password_reset_nonce = None
    end_all_sessions(user)


# --- profile and email ----------------------------------------------------------------------------

def update_profile(user: User, *, name: str, locale: str | None) -> None:
    """Change the user's display name and interface language."""
    user.name = name.strip()
    user.locale = locale or None


def request_email_change(user: User, new_email: str, password: str, *, now: datetime) -> bool:
    """After checking the password, email a confirmation link to the new address; False (and nothing
    sent, with the same answer to the user) when the address is taken by another account."""
    if not check_password(user, password):
        raise ValidationFailed(N_("That is not your current password."), "password")
    new_email = _check_email(new_email)
    if new_email == user.email:
        raise ValidationFailed(N_("That is already your email address."), "email")
    if find_user_by_email(new_email) is not None:
        return False
    user.email_change_nonce = secrets.token_hex(16)
    expires_at = now + timedelta(hours=int(current_app.config["EMAIL_CHANGE_HOURS"]))
    queue_notice(EMAIL_CHANGE_NOTICE, ref=f"{user.id}:{user.email_change_nonce}", recipient=new_email,
                 locale=user.locale, now=now, user_id=user.id,
                 payload={"user_id": user.id, "nonce": user.email_change_nonce, "email": new_email,
                          "expires_at": int(expires_at.timestamp())})
    return True


def email_change_token(user: User, nonce: str, new_email: str, expires_at: datetime) -> str:
    """The signed token of an email-change confirmation link (it carries the new address)."""
    return make_token(EMAIL_CHANGE, {"u": user.id, "n": nonce, "e": new_email}, expires_at=expires_at)


def read_email_change(token: str, *, now: datetime) -> tuple[User, str]:
    """The user and new address of a valid, unused confirmation link; LinkUnusable saying why not."""
    user, payload = _user_for(EMAIL_CHANGE, token, now=now)
    nonce, new_email = user.email_change_nonce, payload.get("e")
    if not nonce or not secrets.compare_digest(nonce, str(payload["n"])) or not isinstance(new_email, str):
        raise LinkUnusable("used")
    return user, new_email


def confirm_email_change(user: User, new_email: str, *, now: datetime) -> None:
    """Make the confirmed address the user's and tell the old address; Conflict if it was taken meanwhile."""
    new_email = _check_email(new_email)
    user.email_change_nonce = None
    if find_user_by_email(new_email) is not None:
        raise Conflict(N_("This address cannot be used for your account. Nothing was changed."), "email")
    old_email = user.email
    user.email = new_email
    db.session.flush()
    queue_notice(EMAIL_CHANGED_NOTICE, ref=f"{user.id}:{int(now.timestamp())}:{new_email}", recipient=old_email,
                 locale=user.locale, now=now, user_id=user.id, payload={"user_id": user.id, "email": new_email})


# --- coordinators ---------------------------------------------------------------------------------

def all_users() -> list[User]:
    """Every account, by name and address."""
    return list(db.session.scalars(sa.select(User).order_by(sa.func.lower(User.name), User.email)))


def get_user(user_id: int) -> User | None:
    """The user with this id, or None."""
    return db.session.get(User, user_id)


def set_account_active(user: User, active: bool, *, by: User) -> None:
    """Deactivate (every sign-in ends, none is possible) or reactivate an account; not one's own."""
    if user.id == by.id:
        raise ValidationFailed(N_("You cannot deactivate your own account."))
    user.is_active_account = active
    if not active:
        end_all_sessions(user)
