"""Sources models: CalendarSource (a member's ICS address, its defaults and its sync state) and
SourceEvent (the link from one of the source's UIDs to the series imported from it).

Only columns and relationships; the rules live in sync.py. The events domain knows nothing of these
tables: a series is imported when a SourceEvent row points at it.
"""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ink.core.errors import N_
from ink.events.models import EventSeries, Venue
from ink.extensions import Model, UTCDateTime, db
from ink.organisations.models import Organisation, Topic


class SourceStatus(enum.StrEnum):
    NEW = "new"  # never synced yet
    OK = "ok"  # the last sync succeeded
    FAILING = "failing"  # the last sync failed (the events stay as they were)


SOURCE_STATUS_LABELS: dict[SourceStatus, str] = {
    SourceStatus.NEW: N_("Not synced yet"),
    SourceStatus.OK: N_("In sync"),
    SourceStatus.FAILING: N_("Failing"),
}

source_topic = sa.Table(
    "source_topic",
    db.metadata,
    sa.Column("source_id", sa.ForeignKey("calendar_source.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
)


class CalendarSource(Model):
    """A member organisation's calendar, read from its public ICS address."""

    __tablename__ = "calendar_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str] = mapped_column(sa.String(1000))
    # Defaults given to the series it creates (the network's own fields; kept across syncs).
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venue.id", ondelete="SET NULL"))
    audience: Mapped[str | None] = mapped_column(sa.String(16))
    is_drop_in: Mapped[bool] = mapped_column(default=False)
    # Coordinators decide: imported series then wait as drafts in the moderation queue.
    needs_moderation: Mapped[bool] = mapped_column(default=False)
    # Conditional GET validators and the hash of the last body applied.
    etag: Mapped[str | None] = mapped_column(sa.String(500))
    last_modified: Mapped[str | None] = mapped_column(sa.String(100))
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), default=SourceStatus.NEW.value)
    # Why the last sync failed: an English msgid and its parameters (translated when shown).
    status_message: Mapped[str] = mapped_column(sa.String(500), default="")
    status_params: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # type: ignore[type-arg]
    # What the last sync could not express exactly (JSON list of {"title", "problem"}).
    problems: Mapped[list] = mapped_column(sa.JSON, default=list)  # type: ignore[type-arg]
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    failure_notified: Mapped[bool] = mapped_column(default=False)
    # The lease of the sync running now (overlapping syncs of one source do nothing twice).
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    venue: Mapped[Venue | None] = relationship()
    topics: Mapped[list[Topic]] = relationship(secondary=source_topic, order_by=Topic.name)
    links: Mapped[list[SourceEvent]] = relationship(back_populates="source", cascade="all, delete-orphan",
                                                    passive_deletes=True)

    @property
    def status_label(self) -> str:
        """The English msgid of the status (translate it with gettext)."""
        return SOURCE_STATUS_LABELS[SourceStatus(self.status)]

    @property
    def is_failing(self) -> bool:
        return self.status == SourceStatus.FAILING

    def __repr__(self) -> str:
        return f"<CalendarSource {self.id} {self.name!r}>"


class SourceEvent(Model):
    """One UID of a source and the series made from it; ``digest`` is the hash of the source's
    components last applied (an unchanged VEVENT changes nothing)."""

    __tablename__ = "source_event"
    __table_args__ = (sa.UniqueConstraint("source_id", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("calendar_source.id", ondelete="CASCADE"), index=True)
    uid: Mapped[str] = mapped_column(sa.String(500))
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("event_series.id", ondelete="CASCADE"), unique=True)
    digest: Mapped[str] = mapped_column(sa.String(64), default="")
    # The source's LOCATION text (our venue is the network's mapping, not the source's).
    location: Mapped[str] = mapped_column(sa.String(500), default="")
    # Gone from the source (its series was cancelled here).
    is_removed: Mapped[bool] = mapped_column(default=False)

    source: Mapped[CalendarSource] = relationship(back_populates="links")
    series: Mapped[EventSeries] = relationship()

    def __repr__(self) -> str:
        return f"<SourceEvent {self.source_id}:{self.uid!r} -> {self.series_id}>"
