"""Rate limits (ink/ratelimit.py): fixed windows of the injected clock, in memory or in Redis, keyed by
the client address that only the configured number of trusted proxies may change."""
from __future__ import annotations

import socket
import uuid
from datetime import timedelta

import pytest
from flask import Flask

from ink import ratelimit

RULES = {"test-rule": (3, 3600)}


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"RATELIMITS": RULES}


def test_the_limit_is_reached_and_lifted_with_the_next_window(app, clock) -> None:  # type: ignore[no-untyped-def]
    assert [ratelimit.hit("test-rule", "Ola@Example.org", now=clock.now()) for _ in range(4)] == [True, True, True, False]
    # The key is case-insensitive (an address differing by case is the same address), others are counted apart.
    assert not ratelimit.hit("test-rule", "ola@example.org", now=clock.now())
    assert ratelimit.hit("test-rule", "kari@example.org", now=clock.now())
    assert ratelimit.is_exceeded("test-rule", "ola@example.org", now=clock.now())
    clock.advance(seconds=ratelimit.retry_after("test-rule", now=clock.now()))
    assert not ratelimit.is_exceeded("test-rule", "ola@example.org", now=clock.now())
    assert ratelimit.hit("test-rule", "ola@example.org", now=clock.now())


def test_clear_forgets_the_counted_attempts(app, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        ratelimit.hit("test-rule", "a", now=clock.now())
    ratelimit.clear("test-rule", "a", now=clock.now())
    assert ratelimit.hit("test-rule", "a", now=clock.now())


def test_refusal_is_a_429_domain_error_with_retry_after(app, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        ratelimit.refuse_unless_allowed("test-rule", "b", now=clock.now())
    with pytest.raises(ratelimit.TooManyAttempts) as refused:
        ratelimit.refuse_unless_allowed("test-rule", "b", now=clock.now())
    assert refused.value.status_code == 429 and 0 < refused.value.retry_after <= 3600


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis at 127.0.0.1:6379")
def test_counts_in_redis_are_shared_by_two_processes_apps(another_app, clock) -> None:  # type: ignore[no-untyped-def]
    config = {"RATELIMITS": RULES, "RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0",
              "RATELIMIT_KEY_PREFIX": f"ink-test-{uuid.uuid4().hex}"}
    first, second = another_app(**config), another_app(**config)
    for app in (first, second, first):
        with app.app_context():
            assert ratelimit.hit("test-rule", "shared", now=clock.now())
    with second.app_context():
        assert not ratelimit.hit("test-rule", "shared", now=clock.now())
        assert ratelimit.hit("test-rule", "shared", now=clock.now() + timedelta(hours=1))


def _address_seen(app: Flask, **environ: str) -> str:
    seen: list[str] = []
    app.add_url_rule("/_whoami", "whoami", lambda: seen.append(ratelimit.client_address()) or "ok")
    app.test_client().get("/_whoami", environ_base={"REMOTE_ADDR": "10.0.0.9", **environ})
    return seen[0]


def test_x_forwarded_for_is_ignored_without_trusted_proxies(another_app) -> None:  # type: ignore[no-untyped-def]
    app = another_app()
    assert _address_seen(app, HTTP_X_FORWARDED_FOR="203.0.113.7") == "10.0.0.9"


def test_one_trusted_proxy_gives_the_address_it_saw(another_app) -> None:  # type: ignore[no-untyped-def]
    app = another_app(TRUSTED_PROXIES=1)
    # A client cannot choose its address by sending its own X-Forwarded-For: only the proxy's last entry counts.
    assert _address_seen(app, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7") == "203.0.113.7"
