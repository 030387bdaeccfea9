from __future__ import annotations

import sqlalchemy as sa

from ink.auth.models import User
from ink.auth.service import authenticate
from ink.extensions import db
from ink.organisations.models import Membership


def _user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_create_coordinator_reading_password_from_stdin(runner, clock) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["create-user", "Anna@Example.org", "--coordinator", "--password-stdin"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    user = _user("anna@example.org")
    assert user is not None and user.is_coordinator
    assert authenticate("anna@example.org", "a long enough password", now=clock.now()) is not None


def test_create_editor_of_an_organisation_with_prompted_password(runner, factory) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Polish Association", slug="polish-association")
    result = runner.invoke(args=["create-user", "ed@example.org", "--org", "polish-association"],
                           input="a long enough password\na long enough password\n")
    assert result.exit_code == 0, result.output
    user = _user("ed@example.org")
    assert user is not None and not user.is_coordinator
    assert db.session.scalar(sa.select(Membership.organisation_id).where(Membership.user_id == user.id)) == organisation.id


def test_unknown_organisation_is_refused_and_nothing_created(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["create-user", "ed@example.org", "--org", "nope", "--password-stdin"],
                           input="a long enough password\n")
    assert result.exit_code != 0
    assert "nope" in result.output
    assert _user("ed@example.org") is None


def test_short_password_and_duplicate_email_are_refused(runner, factory) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["create-user", "x@example.org", "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and "at least" in result.output
    factory.user("taken@example.org")
    result = runner.invoke(args=["create-user", "TAKEN@example.org", "--password-stdin"], input="a long enough password\n")
    assert result.exit_code != 0 and "already exists" in result.output
