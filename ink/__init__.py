"""INK Events: the application factory."""
from __future__ import annotations

import os
from importlib import import_module
import sqlite3
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask

import ink.models  # noqa: F401  (every table in the metadata)
from ink import config as default_config, i18n, page_cache, ratelimit, web
from ink.auth import notices as auth_notices
from ink.auth.views import bp as auth_bp
from ink.cli import register_commands
from ink.core.clock import SystemClock
from ink.events import consent as events_consent, jobs as events_jobs, search as events_search
from ink.events import planning_views as events_planning
from ink.events.moderation_views import register_moderation
from ink.events.text_version_views import bp as text_versions_bp
from ink.events.views import bp as events_bp
from ink.extensions import babel, csrf, db, login_manager, migrate
from ink.organisations import joining
from ink.organisations.join_views import bp as joining_bp
from ink.organisations import notices as organisations_notices
from ink.organisations.invitation_views import bp as invitations_bp
from ink.organisations.views import bp as organisations_bp
from ink.pictures import views as pictures_views
from ink.public import places as public_places  # noqa: F401  (its routes join the public blueprint)
from ink.public.views import bp as public_bp

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Domains built on events (and the audit log, which sees them all); each has init_app(app) registering its blueprint, listeners and panels.
HIGHER_DOMAINS: tuple[str, ...] = ("ink.feeds", "ink.attendance", "ink.reminders", "ink.sources", "ink.audit")


class ConfigurationError(click.ClickException):
    """A configuration the app cannot start with; the flask CLI prints its message as one line and exits 1."""


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    _load_config(app, test_config)
    app.extensions["ink.clock"] = app.config.get("CLOCK") or SystemClock()

    try:
        db.init_app(app)  # creates the engine: a malformed URL or unknown driver fails here
    except sa.exc.ArgumentError as error:
        raise ConfigurationError(f"INK_DATABASE_URL is not a usable database URL: {error}.") from error
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    i18n.init_app(app)
    web.init_app(app)
    page_cache.init_app(app)
    ratelimit.init_app(app)
    _register_blueprints(app)
    auth_notices.register_notices(app)
    organisations_notices.register_notices(app)
    events_jobs.register_jobs(app)
    events_search.register_commands(app)
    register_moderation(app)
    joining.register(app)
    events_consent.register_notices(app)
    for domain in HIGHER_DOMAINS:
        import_module(domain).init_app(app)

    register_commands(app)
    return app


def _load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_object(default_config)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("INK")
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config.get("DATABASE_URL") or (
            "sqlite:///" + os.path.join(app.instance_path, "ink.sqlite3")
        )
    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing or app.config.get("DEBUG") or app.config.get("TESTING")):
            raise ConfigurationError(
                "No secret key: set INK_SECRET_KEY or SECRET_KEY in instance/config.py "
                "(`make run` writes one for you)."
            )
        app.config["SECRET_KEY"] = "insecure-development-key"
    app.config["BASE_URL"] = str(app.config["BASE_URL"]).rstrip("/")
    _resolve_instance_paths(app)


def _resolve_instance_paths(app: Flask) -> None:
    """Settings declared None in ink/config.py whose default lives in the instance folder."""
    defaults = {"MAIL_DIRECTORY": "mail", "SCHEDULER_LOCK_FILE": "scheduler.lock", "PICTURES_DIR": "pictures"}
    for key, name in defaults.items():
        if not app.config.get(key):
            app.config[key] = os.path.join(app.instance_path, name)


def _register_blueprints(app: Flask) -> None:
    pictures_views.register(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(joining_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(text_versions_bp)
    events_planning.init_app(app)  # clashes, year planner, copy to next year (and its event-page panel)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL, a busy timeout and foreign keys, on every SQLite connection (they are per connection)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
