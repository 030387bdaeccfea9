from __future__ import annotations

from argon2 import PasswordHasher
from argon2.low_level import Type

from ink import config
from ink.auth.models import User
from ink.auth.service import authenticate
from ink.extensions import db


def test_production_cost_meets_owasp_minimums_for_argon2id() -> None:
    # OWASP: argon2id with at least 19 MiB, t=2, p=1; we use RFC 9106's 64 MiB, t=3, p=4.
    assert config.PASSWORD_HASH_MEMORY_KIB >= 19 * 1024
    assert config.PASSWORD_HASH_TIME_COST >= 2


def test_hash_is_argon2id_and_never_the_password(factory) -> None:  # type: ignore[no-untyped-def]
    user = factory.user("a@example.org", password="correct horse battery")
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash


def test_hash_is_upgraded_when_parameters_change(factory, app, clock) -> None:  # type: ignore[no-untyped-def]
    user = factory.user("a@example.org", password="correct horse battery")
    app.config["PASSWORD_HASH_MEMORY_KIB"] = 16
    assert authenticate("a@example.org", "correct horse battery", now=clock.now()) is not None
    db.session.commit()
    params = PasswordHasher().check_needs_rehash  # noqa: F841  (parameters parsed below)
    from argon2 import extract_parameters

    stored = extract_parameters(db.session.get(User, user.id).password_hash)
    assert stored.memory_cost == 16 and stored.type is Type.ID
