"""The fixtures themselves: each test starts from empty tables, and requests never share a context.

The two ``rolled_back`` tests run in this order (pytest keeps a module's order): the first commits
rows, the second finds none of them.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask, g

from ink.auth.models import User
from ink.extensions import db

MARKER = "left-behind@example.org"


def _users() -> list[str]:
    return list(db.session.scalars(sa.select(User.email).order_by(User.email)))


def test_rolled_back_a_test_commits_rows_and_requests_see_them(client, factory, auth) -> None:  # type: ignore[no-untyped-def]
    factory.user(email=MARKER)
    db.session.commit()
    assert auth.login(MARKER).status_code == 302  # a request, in a session of its own, sees the commit
    assert MARKER in _users()


@pytest.fixture
def no_rows_left(app: Flask) -> None:
    assert _users() == []


def test_rolled_back_the_next_test_finds_none_of_them(no_rows_left) -> None:  # type: ignore[no-untyped-def]
    assert _users() == []


@pytest.mark.committing
def test_committing_a_test_commits_for_real(app: Flask, factory) -> None:  # type: ignore[no-untyped-def]
    factory.user(email=MARKER)
    db.session.commit()
    with db.engine.connect() as other:  # another connection sees it
        assert other.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_committing_the_next_test_finds_the_tables_emptied(no_rows_left) -> None:  # type: ignore[no-untyped-def]
    assert _users() == []


def test_a_request_never_runs_in_the_tests_app_context(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    seen: list[object] = []
    app.before_request(lambda: seen.append(g.get("from_the_test", "fresh")))
    g.from_the_test = "leaked"
    client.get("/")
    client.get("/")
    assert seen == ["fresh", "fresh"]
