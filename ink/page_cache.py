"""The public pages' cache: rendered HTML kept in memory, keyed by the data's version.

A view opts in with one line, ``@cached_page``. Only anonymous GET and HEAD requests without flashed
messages use the cache; anybody else gets the view as it is. An entry's key is the endpoint, the view
arguments, the full query string (its pairs sorted, so a new parameter is part of the key without
anyone remembering it), the locale, and the content version; it is served until the earliest of
``PAGE_CACHE_SECONDS`` after it was rendered (the pages hide what has ended and name the "next date",
so they age without any data changing) and the next local midnight.

The content version (row ``CONTENT`` of ``ink.versions``) moves in the same transaction as every
change a public page could show: a session listener notes flushes (and bulk statements) that touch
any table but the private ones listed below, and bumps the row just before the commit. Each process
trusts the version it read for ``PAGE_VERSION_CHECK_SECONDS``; a commit in this process forgets it at
once, other workers see it within that interval.

Per visitor: the body is stored with a placeholder where the visitor's CSRF token was (the language
switch of templates/base.html), and the requesting visitor's own token is put in at serve time, with
Flask-WTF's usual session handling (so Set-Cookie behaves as without the cache). Responses carry a
strong ETag (the cached body's hash, mixed with the visitor's CSRF secret so that a copy holding
another session's token is never confirmed), Last-Modified (when the entry was rendered),
``Cache-Control: no-cache`` and ``Vary: Cookie, Accept-Language``; If-None-Match / If-Modified-Since
are answered with 304. ``X-Cache: hit|miss`` says what happened.

``memoized(key, compute)`` keeps any other value under the same rules (the programme's filter choices).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_app_context, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from ink.core.time import UTC, local_date, local_midnight_utc
from ink.extensions import db, now
from ink.versions import CONTENT, FeedState, VersionedLRU

EXTENSION = "ink.page_cache"
# Tables whose rows no public page shows (machine rows, secrets, private records): writing them
# leaves the content version alone. Every other table, including any added later, moves it.
PRIVATE_TABLES = frozenset({
    "feed_state", "user", "user_session", "audit_entry", "invitation", "organisation_application",
    "attendance_category", "attendance_record", "attendance_revision", "door_link", "door_count", "door_tap",
    "subscriber", "subscription", "erased_address", "staff_mail_opt_out", "outbox_message",
    "scheduler_heartbeat", "calendar_source", "source_topic", "source_event",
})
CHANGED = "ink.page_cache.changed"  # session.info key: this transaction wrote public data
CSRF_PLACEHOLDER = b"\x00ink-page-cache-csrf\x00"
# The table a textual INSERT/UPDATE/DELETE writes (statements sent as text() through the session).
_TEXT_DML = re.compile(r'\s*(?:insert\s+into|update|delete\s+from)\s+("?[\w.]+"?)', re.IGNORECASE)
CONTENT_VERSION_SQL = f"SELECT version FROM {FeedState.__tablename__} WHERE id = {CONTENT}"

_Value = TypeVar("_Value")
_View = TypeVar("_View", bound=Callable[..., Any])


# --- the content version ------------------------------------------------------------------------

def _is_public_table(name: str | None) -> bool:
    return name is not None and name not in PRIVATE_TABLES


def _row_table(row: object) -> str | None:
    table = getattr(type(row), "__table__", None)
    return getattr(table, "name", None)


@sa.event.listens_for(Session, "before_flush")
def _note_public_rows(session: Session, flush_context: Any, instances: Any) -> None:
    """Mark the transaction when the flush writes a row of a public table."""
    if session.info.get(CHANGED):
        return
    touched = [*session.new, *session.deleted, *(row for row in session.dirty if session.is_modified(row))]
    if any(_is_public_table(_row_table(row)) for row in touched):
        session.info[CHANGED] = True


def _written_table(state: ORMExecuteState) -> str | None:
    """The table an INSERT/UPDATE/DELETE statement writes ("" for one whose table is unknown), else None."""
    if state.is_insert or state.is_update or state.is_delete:
        return str(getattr(getattr(state.statement, "table", None), "name", ""))
    if isinstance(state.statement, sa.TextClause):
        written = _TEXT_DML.match(state.statement.text)
        if written:
            return written.group(1).strip('"').lower()
    return None


@sa.event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state: ORMExecuteState) -> None:
    """The same for INSERT/UPDATE/DELETE statements sent through the session (bulk writes, ``text()``)."""
    if _is_public_table(_written_table(state)):
        state.session.info[CHANGED] = True


@sa.event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    """Bump the content version in the committing transaction when it wrote public data (flushing
    first, so the last pending changes count), and forget this process's remembered version."""
    if session.in_nested_transaction():
        return
    session.flush()
    if not session.info.pop(CHANGED, False):
        return
    bump_content_version(session, moment=now() if has_app_context() else datetime.now(UTC))
    if has_app_context():
        cache = current_app.extensions.get(EXTENSION)
        if cache is not None:
            cache.forget_version()


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_mark(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(CHANGED, None)


def bump_content_version(session: Session, *, moment: datetime) -> None:
    """Content version + 1 (the row is made on first use); joins the session's transaction."""
    table = FeedState.__table__
    values = {"version": table.c.version + 1, "changed_at": moment.replace(microsecond=0)}
    if session.execute(sa.update(table).where(table.c.id == CONTENT).values(values)).rowcount:  # type: ignore[attr-defined]
        return
    try:
        with session.begin_nested():
            session.execute(sa.insert(table).values(id=CONTENT, version=1, changed_at=values["changed_at"]))
    except IntegrityError:  # a concurrent first insert won: move its row on
        session.execute(sa.update(table).where(table.c.id == CONTENT).values(values))


def read_content_version(session: Session) -> int:
    """The content version: one primary-key lookup, as plain SQL, on the session's connection."""
    value = session.connection().exec_driver_sql(CONTENT_VERSION_SQL).scalar()
    return int(value or 0)


# --- the cache ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """A kept value (a page or a memoized value) with what it was made from and until when it holds."""

    value: Any
    version: int
    made_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Page:
    """A rendered page: the body (CSRF token replaced by the placeholder), its headers, its validators."""

    body: bytes
    headers: list[tuple[str, str]]
    digest: bytes
    has_token: bool
    last_modified: datetime


class PageCache(VersionedLRU[Entry]):
    """Pages and memoized values, each current while made at the content version and not expired."""

    def __init__(self, size: int, ttl_seconds: float, version_seconds: float) -> None:
        super().__init__(size, version_seconds)
        self.ttl = timedelta(seconds=ttl_seconds)

    @property
    def enabled(self) -> bool:
        return self.size > 0 and self.ttl > timedelta(0)

    def get(self, key: tuple[object, ...], *, version: int, moment: datetime) -> Entry | None:
        """The entry for ``key`` if it was made at ``version`` and holds at ``moment`` (made no later
        than ``moment``, which a clock set back in tests can be, and not yet expired)."""
        with self._lock:
            entry = self._touch(key)
            if entry is None:
                return None
            if entry.version != version or not entry.made_at <= moment < entry.expires_at:
                del self._items[key]
                return None
            return entry

    def expiry(self, moment: datetime, tz: str) -> datetime:
        """Until when something made at ``moment`` holds: the TTL, at the latest the next local midnight."""
        midnight = local_midnight_utc(local_date(moment, tz) + timedelta(days=1), tz)
        return min(moment + self.ttl, midnight)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = PageCache(
        size=int(app.config["PAGE_CACHE_SIZE"]), ttl_seconds=float(app.config["PAGE_CACHE_SECONDS"]),
        version_seconds=float(app.config["PAGE_VERSION_CHECK_SECONDS"]),
    )


def _cache() -> PageCache | None:
    cache: PageCache | None = current_app.extensions.get(EXTENSION)
    return cache if cache is not None and cache.enabled else None


def _current_version(cache: PageCache) -> int:
    return cache.version(lambda: read_content_version(db.session()))


def memoized(key: tuple[object, ...], compute: Callable[[], _Value]) -> _Value:
    """``compute()``, kept under ``key`` for the current content version until the cache's expiry
    (for values that depend only on public data and the clock's day, such as filter choices)."""
    cache = _cache()
    if cache is None:
        return compute()
    moment = now()
    version = _current_version(cache)
    full_key = ("memo", *key)
    entry = cache.get(full_key, version=version, moment=moment)
    if entry is None:
        entry = Entry(compute(), version, moment, cache.expiry(moment, str(current_app.config["TIMEZONE"])))
        cache.put(full_key, entry)
    return entry.value  # type: ignore[no-any-return]


# --- pages --------------------------------------------------------------------------------------

def _is_cacheable_request() -> bool:
    """Anonymous GET/HEAD without flashed messages waiting: the page is the same for every such visitor."""
    return (request.method in ("GET", "HEAD") and not current_user.is_authenticated
            and "_flashes" not in session)


def _page_key() -> tuple[object, ...]:
    return (
        "page", request.endpoint, tuple(sorted((request.view_args or {}).items())),
        tuple(sorted(request.args.items(multi=True))), str(get_locale()),
    )


def _token_field() -> str:
    return str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def _store(response: Response, moment: datetime) -> Page | None:
    """The response as a cache entry, or None when it is not a plain 200 HTML page."""
    if (response.status_code != 200 or response.mimetype != "text/html" or response.direct_passthrough
            or "Set-Cookie" in response.headers):
        return None
    body = response.get_data()
    token = request_token()
    has_token = token is not None and token.encode() in body
    if has_token:
        assert token is not None
        body = body.replace(token.encode(), CSRF_PLACEHOLDER)
    headers = [(name, value) for name, value in response.headers.items()
               if name.lower() not in ("content-length", "set-cookie", "vary")]
    return Page(body, headers, hashlib.sha256(body).digest(), has_token, moment.replace(microsecond=0))


def request_token() -> str | None:
    """The CSRF token this request put in its page, if it made one (Flask-WTF keeps it in ``g``)."""
    token = g.get(_token_field())
    return token if isinstance(token, str) else None


def _serve(page: Page, outcome: str) -> Response:
    """The page for this visitor: their own CSRF token, validators, and a 304 when theirs match."""
    body = page.body
    secret = b""
    if page.has_token:
        body = body.replace(CSRF_PLACEHOLDER, generate_csrf().encode())
        secret = str(session.get(_token_field(), "")).encode()
    response = Response(body, status=200, headers=page.headers)
    response.set_etag(hashlib.sha256(page.digest + b"\x00" + secret).hexdigest()[:32])
    response.last_modified = page.last_modified
    response.headers["Cache-Control"] = "no-cache"
    response.vary.update(("Cookie", "Accept-Language"))
    response.headers["X-Cache"] = outcome
    response.make_conditional(request)
    return response


def cached_page(view: _View) -> _View:
    """Serve the view's page from the cache for anonymous visitors (see the module)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        cache = _cache()
        if cache is None or not _is_cacheable_request():
            return view(*args, **kwargs)
        moment = now()
        version = _current_version(cache)
        key = _page_key()
        entry = cache.get(key, version=version, moment=moment)
        if entry is not None:
            return _serve(entry.value, "hit")
        response = make_response(view(*args, **kwargs))
        page = _store(response, moment)
        if page is None:
            return response
        cache.put(key, Entry(page, version, moment, cache.expiry(moment, str(current_app.config["TIMEZONE"]))))
        return _serve(page, "miss")

    return wrapper  # type: ignore[return-value]
