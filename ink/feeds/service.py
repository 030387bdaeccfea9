"""Feed versions, the render cache and conditional-request logic.

The unchanged path costs one small query: the feed state row's version. Rendered bytes are kept in an in-process LRU keyed by the feed's
filter and that version (plus the window's day), so every worker serves the same bytes for the same
data and a change anywhere is seen by all of them on their next request.
"""
from __future__ import annotations

import hashlib
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from ink.core.time import UTC, as_utc, local_midnight_utc, local_date
from ink.events.models import EventSeries
from ink.extensions import db
from ink.versions import FEEDS, FeedState, VersionedLRU

STATE_ID = FEEDS
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _whole_seconds(moment: datetime) -> datetime:
    return as_utc(moment).replace(microsecond=0)


def bump_feed_state(*, now: datetime) -> None:
    """Record that feeds may have changed: version + 1 and changed_at strictly later than before
    (by at least a second, the resolution of HTTP dates). Joins the caller's transaction."""
    state = db.session.get(FeedState, STATE_ID, with_for_update=True)
    moment = _whole_seconds(now)
    if state is None:
        # The migration creates the row; this covers schemas made by create_all (tests). A
        # concurrent first insert loses to the other one and then updates its row.
        try:
            with db.session.begin_nested():
                db.session.add(FeedState(id=STATE_ID, version=1, changed_at=moment))
            return
        except IntegrityError:
            state = db.session.get(FeedState, STATE_ID, with_for_update=True, populate_existing=True)
            assert state is not None
    state.version += 1
    state.changed_at = max(moment, _whole_seconds(state.changed_at) + timedelta(seconds=1))
    db.session.flush()


_VERSION_SQL = f"SELECT version FROM {FeedState.__tablename__} WHERE id = {STATE_ID}"


def current_version() -> int:
    """The feed version: the hot path's only query, a primary-key lookup on one tiny row, sent
    as plain SQL (no ORM compilation), on the request's own connection."""
    value = db.session.connection().exec_driver_sql(_VERSION_SQL).scalar()
    return int(value or 0)


def version_details(series: list[EventSeries]) -> datetime:
    """When the feed last changed (for a render): the recorded change time and the newest of the
    rendered series' own timestamps (covers rows written without the services' signals)."""
    state = db.session.get(FeedState, STATE_ID)
    moments = [state.changed_at] if state is not None else []
    moments.extend(s.updated_at for s in series)
    return _whole_seconds(max(moments)) if moments else EPOCH


def window_start_at(today: date, tz: str, past_days: int) -> datetime:
    """Start of the window: local midnight ``past_days`` before today (whole days, so ageing
    changes a feed at most once a day)."""
    return local_midnight_utc(today - timedelta(days=past_days), tz)


def local_today(now: datetime, tz: str) -> date:
    """The network's calendar date at ``now``."""
    return local_date(now, tz)


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str  # quoted strong validator
    last_modified: datetime
    version_key: tuple[object, ...]
    rendered_at: float  # monotonic seconds


def make_etag(body: bytes) -> str:
    """A strong, quoted ETag for a feed body (its SHA-256, shortened)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class FeedCache(VersionedLRU[Rendered]):
    """Rendered feeds, each current while rendered at the feeds' version and younger than the TTL."""

    def __init__(self, size: int = 256, ttl_seconds: float = 300.0, version_seconds: float = 1.0) -> None:
        super().__init__(size, version_seconds)
        self.ttl = ttl_seconds
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[object, ...]) -> Rendered | None:
        with self._lock:
            return self._touch(key)


def cached_render(cache: FeedCache, key: tuple[object, ...], *, version: int, today: date, tz: str,
                  now: datetime, render: Callable[[], tuple[bytes, datetime]]) -> Rendered:
    """The feed for ``key`` at ``version``: from the cache when current, else rendered.

    ``render`` returns the bytes and the time of the last change they reflect.
    Last-Modified = max(that, start of today): the window moving by a day can drop old events,
    and Apple Calendar only revalidates with If-Modified-Since. If a render after the cache's TTL
    differs from the cached bytes of the same version (an edit that sent no signal, such as a
    venue's address), the feed state is bumped so that Last-Modified moves forward.
    """
    version_key = (version, today)
    entry = cache.get(key)
    fresh = entry is not None and _time.monotonic() - entry.rendered_at < cache.ttl
    if entry is not None and entry.version_key == version_key and fresh:
        cache.hits += 1
        return entry
    cache.misses += 1
    body, changed_at = render()
    etag = make_etag(body)
    if entry is not None and entry.version_key == version_key and entry.etag != etag:
        bump_feed_state(now=now)
        cache.forget_version()
        state = db.session.get(FeedState, STATE_ID)
        assert state is not None
        changed_at = max(changed_at, state.changed_at)
        version_key = (state.version, today)
    last_modified = min(max(changed_at, _whole_seconds(local_midnight_utc(today, tz))), _whole_seconds(now))
    rendered = Rendered(body, etag, last_modified, version_key, _time.monotonic())
    cache.put(key, rendered)
    return rendered
