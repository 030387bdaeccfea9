"""Extensions created without an app; ``create_app`` initialises them."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from ink.core.clock import Clock, SystemClock
from ink.core.time import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    __table__: ClassVar[sa.Table]  # every model maps a Table (DeclarativeBase says any FromClause)


db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    Model = Base  # what db.Model is to a type checker (it cannot see a class made at run time): the typed base
else:
    Model = db.Model  # the base of every model: Base with Flask-SQLAlchemy's table naming and metadata
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants as naive UTC (portable to SQLite) and returns aware UTC datetimes."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def clock() -> Clock:
    """The application's clock (tests replace it with a FrozenClock)."""
    return current_app.extensions.get("ink.clock") or SystemClock()


def now() -> datetime:
    return clock().now()


def network_timezone() -> str:
    """The configured zone (``TIMEZONE``) new series and wall-clock dates default to."""
    return str(current_app.config["TIMEZONE"])


def network_language() -> str:
    """The network's default language (``BABEL_DEFAULT_LOCALE``): what texts are written in unless
    their author says otherwise (the original language of a series, organisation or venue)."""
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def insert_ignoring_conflicts(table: sa.Table, rows: list[dict[str, Any]], *,
                              index_elements: list[str] | None = None) -> int:
    """INSERT ... ON CONFLICT DO NOTHING (SQLite and PostgreSQL); returns how many rows went in.

    Counted from RETURNING, not ``rowcount``: psycopg 3 reports an exact rowcount (0 or 1 for one row,
    checked against PostgreSQL), but SQLAlchemy adds its own RETURNING of the primary key to a Core
    insert on PostgreSQL, and the result's ``rowcount`` is then -1. SQLAlchemy batches many rows."""
    if not rows:
        return 0
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    key = next(iter(table.primary_key.columns))
    return len(db.session.connection().execute(statement.returning(key), rows).all())
