"""Auth models: the User (email, Argon2id hash, coordinator flag, locale) and its server-side sign-in
sessions (UserSession). Queries and rules live in service.py."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from ink.extensions import UTCDateTime, db


def normalise_email(email: str) -> str:
    """Emails are compared trimmed and case-folded, so no two accounts differ only by case."""
    return email.strip().lower()


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always stored normalised (see normalise_email); the unique index therefore ignores case.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_coordinator: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Legacy per-user token (sign-ins are UserSession rows now); still rotated when the password changes.
    session_token: Mapped[str] = mapped_column(sa.String(64))
    # The nonce of the one password-reset link that works (None: none does); cleared when it is used.
    password_reset_nonce: Mapped[str | None] = mapped_column(sa.String(32))
    # Likewise for the email-change confirmation link; the new address travels in the signed link.
    email_change_nonce: Mapped[str | None] = mapped_column(sa.String(32))

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def get_id(self) -> str:  # Flask-Login: the session (and remember cookie) stores this
        # The key of the sign-in this request is made under, set by ink.auth.service when it starts
        # or loads one (an instance attribute, not a column).
        return f"{self.id}:{getattr(self, 'current_session_key', None) or ''}"

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserSession(db.Model):
    """One sign-in on one device: its key is in the session cookie (and remember cookie) as part of the
    user id; deleting the row ends that sign-in everywhere a copy of the cookie exists."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the key the cookie carries: the table alone signs nobody in.
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"
