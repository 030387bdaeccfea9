"""Auth models: the User (email, Argon2id hash, coordinator flag, locale). Queries and rules live in service.py."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from ink.extensions import Model, UTCDateTime


def normalise_email(email: str) -> str:
    """Emails are compared trimmed and case-folded, so no two accounts differ only by case."""
    return email.strip().lower()


class User(UserMixin, Model):
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
    # Changes when the password changes, so old sessions stop working.
    session_token: Mapped[str] = mapped_column(sa.String(64))

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def get_id(self) -> str:  # Flask-Login: the session stores this
        return f"{self.id}:{self.session_token}"

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email}>"
