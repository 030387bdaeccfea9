"""Password hashing with Argon2id (memory-hard), parameters from configuration."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["PASSWORD_HASH_TIME_COST"],
        memory_cost=config["PASSWORD_HASH_MEMORY_KIB"],
        parallelism=config["PASSWORD_HASH_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# A hash (made once per set of parameters) to verify against when the account does not exist: that
# path then does exactly what a wrong password does, one Argon2 verification with the same parameters,
# so timing does not reveal whether an address has an account. (Hashing a fresh one each time, as
# before, cost a second Argon2 run and made unknown addresses twice as slow to refuse.)
_DUMMY_HASHES: dict[tuple[int, int, int], str] = {}


def _parameters() -> tuple[int, int, int]:
    config = current_app.config
    return (int(config["PASSWORD_HASH_TIME_COST"]), int(config["PASSWORD_HASH_MEMORY_KIB"]),
            int(config["PASSWORD_HASH_PARALLELISM"]))


def dummy_hash() -> str:
    """A hash of no one's password with the configured parameters, made once."""
    parameters = _parameters()
    if parameters not in _DUMMY_HASHES:
        _DUMMY_HASHES[parameters] = hash_password("not-a-real-password")
    return _DUMMY_HASHES[parameters]


def dummy_verify(password: str) -> None:
    """Spend what checking a wrong password costs (one verification), for an account that does not exist."""
    verify_password(dummy_hash(), password)
