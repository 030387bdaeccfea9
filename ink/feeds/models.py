"""Feed state: a persistent version that moves forward on every change that can alter a feed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from ink.extensions import Model, UTCDateTime


class FeedState(Model):
    """One row (id 1). ``changed_at`` only ever increases, so Last-Modified never goes backwards,
    even when an event is deleted or unpublished and no remaining row carries the change."""

    __tablename__ = "feed_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
