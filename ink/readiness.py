"""Readiness: `/readyz` answers 200 only when this instance can serve (a load balancer's question).

`/healthz` stays the trivial liveness check. `/readyz` checks that the database answers and that its
schema is at the latest migration, then runs the checks higher domains registered from their init_app
(reminders reports the scheduler heartbeat's age), without this module importing them:

    register_readiness_check(app, "scheduler", scheduler_check)

A check takes "now" and returns a ReadinessCheck; one that is not ok makes the answer 503, with its
reason in the JSON body. The reasons are for operators and probes, so they are not translated.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from ink.extensions import db, now


@dataclass
class ReadinessCheck:
    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None


Check = Callable[[datetime], ReadinessCheck]


def register_readiness_check(app: Flask, name: str, check: Check) -> None:
    """Add a check that /readyz runs once the database and schema are fine."""
    app.extensions.setdefault("ink.readiness_checks", {})[name] = check


def latest_revisions(app: Flask) -> set[str]:
    """The head revision(s) of the migration scripts (read once per app)."""
    heads = app.extensions.get("ink.migration_heads")
    if heads is None:
        alembic_config = AlembicConfig()
        alembic_config.set_main_option("script_location", app.extensions["migrate"].directory)
        heads = app.extensions["ink.migration_heads"] = set(ScriptDirectory.from_config(alembic_config).get_heads())
    return heads


def check_database(app: Flask) -> tuple[ReadinessCheck, ReadinessCheck | None]:
    """Whether the database answers, then whether its schema is at the latest migration."""
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except (sa.exc.SQLAlchemyError, OSError) as error:
        return ReadinessCheck(False, reason=f"database unreachable: {type(error).__name__}"), None
    latest = latest_revisions(app)
    schema = {"current": sorted(current), "latest": sorted(latest)}
    if current != latest:
        shown = ", ".join(sorted(current)) or "none"
        return ReadinessCheck(True), ReadinessCheck(False, schema, f"schema at {shown}, not the latest migration "
                                                                   f"({', '.join(sorted(latest))}): run flask --app ink db upgrade")
    return ReadinessCheck(True), ReadinessCheck(True, schema)


def readiness_report(app: Flask, moment: datetime) -> tuple[bool, dict[str, Any]]:
    """Runs every check; returns whether all passed and the JSON body."""
    checks: dict[str, ReadinessCheck] = {}
    checks["database"], schema = check_database(app)
    if schema is not None:
        checks["schema"] = schema
        if schema.ok:
            for name, check in app.extensions.get("ink.readiness_checks", {}).items():
                try:
                    checks[name] = check(moment)
                except sa.exc.SQLAlchemyError as error:
                    db.session.rollback()
                    checks[name] = ReadinessCheck(False, reason=f"{name} check failed: {type(error).__name__}")
    failed = [check.reason for check in checks.values() if not check.ok]
    body: dict[str, Any] = {
        "status": "unavailable" if failed else "ready",
        "checks": {name: {"ok": check.ok, **check.detail} for name, check in checks.items()},
    }
    if failed:
        body["reason"] = "; ".join(reason or "failed" for reason in failed)
    return not failed, body


def readyz() -> ResponseReturnValue:
    """200 when the database answers at the latest migration, else 503 with a JSON reason."""
    ready, body = readiness_report(current_app._get_current_object(), now())  # type: ignore[attr-defined]
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.add_url_rule("/readyz", "readyz", readyz)
