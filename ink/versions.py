"""Version rows: persistent counters that move forward when data that pages or feeds show changes.

A neutral module below the domains, so that both the feeds (``ink.feeds.service``) and the page
cache (``ink.page_cache``) can read their row without importing each other. One table, one row each:

- ``FEEDS`` (1): the feeds' version, bumped by the domain signals (``ink.feeds``);
- ``CONTENT`` (2): the public pages' version, bumped in the transaction of every flush that touches
  a table that is not private (``ink.page_cache``).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from ink.extensions import Model, UTCDateTime

FEEDS = 1
CONTENT = 2


class FeedState(Model):
    """One row per counter (see the module). ``changed_at`` of the feeds' row only ever increases, so
    Last-Modified never goes backwards, even when an event is deleted or unpublished and no remaining
    row carries the change."""

    __tablename__ = "feed_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
