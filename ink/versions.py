"""Version rows: persistent counters that move forward when data that pages or feeds show changes.

A neutral module below the domains, so that both the feeds (``ink.feeds.service``) and the page
cache (``ink.page_cache``) can read their row without importing each other. One table, one row each:

- ``FEEDS`` (1): the feeds' version, bumped by the domain signals (``ink.feeds``);
- ``CONTENT`` (2): the public pages' version, bumped in the transaction of every flush that touches
  a table that is not private (``ink.page_cache``).
"""
from __future__ import annotations

import threading
import time as _time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.orm import Mapped, mapped_column

from ink.extensions import Model, UTCDateTime

FEEDS = 1
CONTENT = 2

_Item = TypeVar("_Item")


class FeedState(Model):
    """One row per counter (see the module). ``changed_at`` of the feeds' row only ever increases, so
    Last-Modified never goes backwards, even when an event is deleted or unpublished and no remaining
    row carries the change."""

    __tablename__ = "feed_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VersionedLRU(Generic[_Item]):
    """A thread-safe LRU of rendered things, and the version row this process read last: trusted for
    ``version_seconds`` (changes made in this process forget it at once, other workers' show within
    it). The feeds' cache and the page cache differ only in what makes an item current."""

    def __init__(self, size: int, version_seconds: float) -> None:
        self.size = size
        self.version_seconds = version_seconds
        self._version: tuple[int, float] | None = None
        self._items: OrderedDict[tuple[object, ...], _Item] = OrderedDict()
        self._lock = threading.Lock()

    def _touch(self, key: tuple[object, ...]) -> _Item | None:
        """The item under ``key`` (now the most recently used), or None; the caller holds the lock."""
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: tuple[object, ...], item: _Item) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._version = None

    def forget_version(self) -> None:
        self._version = None

    def version(self, read: Callable[[], int]) -> int:
        """The version, read again once the remembered one is older than the check interval."""
        remembered = self._version
        if remembered is not None and _time.monotonic() - remembered[1] < self.version_seconds:
            return remembered[0]
        value = read()
        self._version = (value, _time.monotonic())
        return value
