"""Rate limits: Flask-Limiter's storage (memory, or Redis when INK_RATELIMIT_STORAGE_URL is set) and one
helper, ``hit``, that counts attempts under a named rule for a key (a client address, an email address,
an account) in fixed windows of the injected clock, so tests move time instead of sleeping.

    if not ratelimit.hit("password-reset-address", email, now=now):
        raise TooManyAttempts(...)          # a 429 with a clear message

Rules are configured in ``RATELIMITS`` (ink/config.py): name -> (attempts, seconds). The client address
is ``request.remote_addr`` after ProxyFix trusts exactly ``TRUSTED_PROXIES`` proxies, never a raw
X-Forwarded-For. Keys are hashed before they reach the storage, so Redis holds no email addresses.
This module knows no domain.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Flask, current_app, request
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix

from ink.core.errors import N_, NP_, DomainError


class TooManyAttempts(DomainError):
    """Too many attempts under a rule; ``retry_after`` seconds until the window ends."""

    status_code = 429

    def __init__(self, message: str = NP_("Too many attempts. Please try again in %(minutes)s minute.", "Too many attempts. Please try again in %(minutes)s minutes.", "minutes"),
                 field: str | None = None, *, retry_after: int = 60, **params: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, field, minutes=max(1, -(-retry_after // 60)), **params)


def client_address() -> str:
    """The client's address: the peer, or what the configured number of trusted proxies say it is."""
    return request.remote_addr or "unknown"


def init_app(app: Flask) -> None:
    """Trust exactly TRUSTED_PROXIES proxies for the client address, and give the app its limiter and storage."""
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)  # type: ignore[method-assign]
    # One limiter per app (not a module global), so two apps never share counts in memory.
    app.extensions["ink.limiter"] = Limiter(
        key_func=client_address, app=app, strategy="fixed-window", headers_enabled=True,
        storage_uri=app.config["RATELIMIT_STORAGE_URL"] or "memory://",
    )


def limiter() -> Limiter:
    """This app's Flask-Limiter (its ``limit`` decorator counts by client address in real time)."""
    limiter_: Limiter = current_app.extensions["ink.limiter"]
    return limiter_


def _rule(name: str) -> tuple[int, int]:
    attempts, seconds = current_app.config["RATELIMITS"][name]
    return int(attempts), int(seconds)


def _storage_key(name: str, key: str, window: int) -> str:
    digest = hashlib.sha256(f"{name}\0{key.strip().lower()}".encode()).hexdigest()[:32]
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}:{name}:{digest}:{window}"


def _window(seconds: int, now: datetime) -> tuple[int, int]:
    """The current window's number and the seconds left in it."""
    stamp = int(now.timestamp())
    return stamp // seconds, seconds - stamp % seconds


def hit(name: str, key: str, *, now: datetime) -> bool:
    """Count one attempt under the rule for this key; False when it is over the limit (the attempt is refused)."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    attempts, seconds = _rule(name)
    window, left = _window(seconds, now)
    count = limiter().storage.incr(_storage_key(name, key, window), left + 1)
    return count <= attempts


def is_exceeded(name: str, key: str, *, now: datetime) -> bool:
    """Whether the rule's limit for this key is already reached (without counting an attempt)."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return False
    attempts, seconds = _rule(name)
    window, _left = _window(seconds, now)
    return int(limiter().storage.get(_storage_key(name, key, window)) or 0) >= attempts


def retry_after(name: str, *, now: datetime) -> int:
    """Seconds until the rule's current window ends (when a refused key may try again)."""
    return _window(_rule(name)[1], now)[1]


def clear(name: str, key: str, *, now: datetime) -> None:
    """Forget the attempts counted for this key in the current window (e.g. failures, after a success)."""
    attempts, seconds = _rule(name)
    window, _left = _window(seconds, now)
    limiter().storage.clear(_storage_key(name, key, window))


def refuse_unless_allowed(name: str, key: str, *, now: datetime, field: str | None = None) -> None:
    """Count an attempt; raise TooManyAttempts (429) when it is over the rule's limit."""
    if not hit(name, key, now=now):
        raise TooManyAttempts(field=field, retry_after=retry_after(name, now=now))


def count(name: str, key: str, *, now: datetime) -> int:
    """How many attempts were counted under the rule for this key in the current window."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return 0
    _attempts, seconds = _rule(name)
    window, _left = _window(seconds, now)
    return int(limiter().storage.get(_storage_key(name, key, window)) or 0)
