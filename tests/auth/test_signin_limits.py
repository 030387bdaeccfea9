"""Sign-in is slowed and then refused per account and per client after repeated failures, lifted when
the window ends; an unknown address costs exactly what a wrong password costs."""
from __future__ import annotations

import time

import pytest
from argon2 import PasswordHasher

from tests.conftest import PASSWORD

REFUSED = "Too many failed sign-in attempts. Please try again in"


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"SIGNIN_SLOWDOWN_SECONDS": 0}


def _login(client, email: str, password: str = "wrong password!"):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"email": email, "password": password})


def test_an_account_is_refused_after_repeated_failures_until_the_window_ends(app, client, other_client, factory, clock) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    assert [_login(client, "editor@example.org").status_code for _ in range(10)] == [422] * 10
    refused = _login(client, "editor@example.org", PASSWORD)  # even the right password, from anywhere
    assert refused.status_code == 429 and REFUSED in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    assert _login(other_client, "editor@example.org", PASSWORD).status_code == 429
    clock.advance(minutes=15)
    assert _login(client, "editor@example.org", PASSWORD).status_code == 302


def test_an_unknown_address_is_refused_the_same_way(client, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(10):
        _login(client, "nobody@example.org")
    assert _login(client, "nobody@example.org").status_code == 429


def test_a_success_clears_the_accounts_failures(client, factory) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    for _ in range(9):
        _login(client, "editor@example.org")
    assert _login(client, "editor@example.org", PASSWORD).status_code == 302
    client.post("/logout")
    assert [_login(client, "editor@example.org").status_code for _ in range(9)] == [422] * 9


def test_a_client_is_refused_after_failures_across_many_addresses(app, client, factory, clock) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org")
    for n in range(30):
        assert _login(client, f"guess{n}@example.org").status_code == 422
    assert _login(client, "editor@example.org", PASSWORD).status_code == 429
    other = app.test_client()
    # Another client address (the test client's REMOTE_ADDR) is not refused.
    assert other.post("/login", data={"email": "editor@example.org", "password": PASSWORD},
                      environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 302
    clock.advance(minutes=15)
    assert _login(client, "editor@example.org", PASSWORD).status_code == 302


def test_failures_beyond_the_threshold_slow_the_answer(app, client) -> None:  # type: ignore[no-untyped-def]
    app.config.update(SIGNIN_SLOWDOWN_AFTER=2, SIGNIN_SLOWDOWN_SECONDS=0.3, SIGNIN_SLOWDOWN_MAX_SECONDS=0.6)
    client.post("/login", data={"email": "warm@example.org", "password": "x" * 12},
                environ_base={"REMOTE_ADDR": "192.0.2.9"})  # templates compiled, dummy hash made: not timed
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        _login(client, "nobody@example.org")
        timings.append(time.perf_counter() - started)
    assert max(timings[:2]) < 0.3  # the first failures are answered at once
    assert 0.3 <= timings[2] < 0.6 <= timings[3] and 0.6 <= timings[4] < 1.2  # then slower, up to the cap


def test_each_refusal_costs_exactly_one_argon2_verification(app, client, factory, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The structural cause of the timing difference: an unknown address used to hash and verify."""
    factory.user("editor@example.org")
    calls: list[str] = []
    real_hash, real_verify = PasswordHasher.hash, PasswordHasher.verify

    def counting_hash(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append("hash")
        return real_hash(self, *args, **kwargs)

    def counting_verify(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(f"verify t={self.time_cost} m={self.memory_cost} p={self.parallelism}")
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", counting_hash)
    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    _login(client, "nobody@example.org")  # the first unknown address may make the dummy hash once
    per_path = {}
    for email in ("nobody@example.org", "someone-else@example.org", "editor@example.org"):
        calls.clear()
        assert _login(client, email).status_code == 422
        per_path[email] = list(calls)
    expected = [f"verify t={app.config['PASSWORD_HASH_TIME_COST']} m={app.config['PASSWORD_HASH_MEMORY_KIB']} "
                f"p={app.config['PASSWORD_HASH_PARALLELISM']}"]
    assert per_path == {email: expected for email in per_path}


@pytest.mark.slow
def test_an_unknown_address_takes_as_long_as_a_wrong_password_with_production_parameters(app, client, factory) -> None:  # type: ignore[no-untyped-def]
    app.config.update(PASSWORD_HASH_TIME_COST=3, PASSWORD_HASH_MEMORY_KIB=65536, PASSWORD_HASH_PARALLELISM=4,
                      RATELIMIT_ENABLED=False)
    factory.user("editor@example.org")  # hashed with production parameters now
    _login(client, "warm-up@example.org")

    def timed(email: str) -> float:
        started = time.perf_counter()
        assert _login(client, email).status_code == 422
        return time.perf_counter() - started

    # Interleaved, and the fastest of each: another process's load (the suite runs in parallel) slows
    # single attempts, never the cost of the hash itself.
    rounds = [(timed("nobody@example.org"), timed("editor@example.org")) for _ in range(7)]
    unknown, wrong = min(pair[0] for pair in rounds), min(pair[1] for pair in rounds)
    assert 0.7 < unknown / wrong < 1.4, (unknown, wrong)  # before the fix: about 2
