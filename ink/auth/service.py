"""Accounts: creation, authentication, password changes."""
from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa

from ink.auth.models import User, normalise_email
from ink.auth.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    dummy_verify,
    hash_password,
    needs_rehash,
    verify_password,
)
from ink.core.errors import N_, Conflict, ValidationFailed
from ink.extensions import db


def find_user_by_email(email: str) -> User | None:
    """The user with this email address (normalised), or None."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def check_password_rules(password: str) -> None:
    """Raise ValidationFailed unless the password's length is within the allowed range."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(N_("The password must have at least %(min)s characters."), "password", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(N_("The password may have at most %(max)s characters."), "password", max=MAX_PASSWORD_LENGTH)


def create_user(email: str, password: str, *, now: datetime, name: str = "",
                is_coordinator: bool = False, locale: str | None = None) -> User:
    """A new user with a hashed password; ValidationFailed or Conflict for a bad or taken email address."""
    email = normalise_email(email)
    if not email or "@" not in email:
        raise ValidationFailed(N_("A valid email address is required."), "email")
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
    """The active user with these credentials, or None. Upgrades the hash if parameters changed."""
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


def set_password(user: User, password: str) -> None:
    """Set a new password and sign out the user's other sessions."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)  # signs out every other session


def load_user_from_session(user_key: str) -> User | None:
    """Flask-Login's user loader: the key is '<id>:<session token>'."""
    user_id, _, token = user_key.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user
