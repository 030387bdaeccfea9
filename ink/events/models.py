"""Events models: Venue, EventSeries (with its recurrence rule, status and topics), Occurrence, the
versions of their texts in other languages (SeriesTextVersion, VenueTextVersion), and the
series' SearchDocument (with the DDL of the search engines' own index beside it).

Only columns, relationships and small derived properties; no queries and no rules (those live in
service.py), and nothing from the higher domains (attendance, feeds, reminders).
"""
from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ink.core.errors import N_
from ink.core.time import local_to_utc
from ink.core.texts import texts_revision
from ink.extensions import Model, UTCDateTime, db, network_language, network_timezone
from ink.auth.models import User
from ink.organisations.models import Organisation, TextVersionColumns, Topic
from ink.pictures.models import Picture


def _enum(cls: type[enum.Enum]) -> sa.Enum:
    return sa.Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class SeriesStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class OccurrenceStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class CoorganiserStatus(enum.StrEnum):
    """Whether a named co-organiser agreed to be one (only accepted ones show anywhere public)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Audience(enum.StrEnum):
    """Who a series is for: a controlled set (filters, feeds, the API); free text goes in the note."""

    EVERYONE = "everyone"
    CHILDREN = "children"
    YOUTH = "youth"
    FAMILIES = "families"
    ADULTS = "adults"
    SENIORS = "seniors"
    WOMEN = "women"
    NEWCOMERS = "newcomers"

    @property
    def label(self) -> str:
        """The English msgid of the label (translate it with gettext)."""
        return AUDIENCE_LABELS[self]


AUDIENCE_LABELS: dict[Audience, str] = {
    Audience.EVERYONE: N_("Everyone"),
    Audience.CHILDREN: N_("Children"),
    Audience.YOUTH: N_("Young people"),
    Audience.FAMILIES: N_("Families"),
    Audience.ADULTS: N_("Adults"),
    Audience.SENIORS: N_("Seniors"),
    Audience.WOMEN: N_("Women"),
    Audience.NEWCOMERS: N_("Newcomers"),
}
AUDIENCE_ORDER = {audience: n for n, audience in enumerate(Audience)}


# Published and cancelled series are shown (a cancelled one as cancelled, so calendars hear of it).
SHOWN_STATUSES = (SeriesStatus.PUBLISHED, SeriesStatus.CANCELLED)


# An event's picture: at most one per series (a table of its own, so adding pictures altered no table).
series_picture = sa.Table(
    "series_picture",
    db.metadata,
    sa.Column("series_id", sa.ForeignKey("event_series.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("picture_id", sa.ForeignKey("picture.id", ondelete="CASCADE"), nullable=False, index=True),
)

series_topic = sa.Table(
    "series_topic",
    db.metadata,
    sa.Column("series_id", sa.ForeignKey("event_series.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
)

# A co-organiser named on a series, and its consent: a new row is pending until one of the named
# organisation's editors (or a coordinator) accepts; rows from before consent existed migrated as accepted.
series_coorganiser = sa.Table(
    "series_coorganiser",
    db.metadata,
    sa.Column("series_id", sa.ForeignKey("event_series.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organisation_id", sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("status", _enum(CoorganiserStatus), nullable=False, default=CoorganiserStatus.PENDING.value),
    sa.Column("requested_at", UTCDateTime(), nullable=True),
    sa.Column("decided_at", UTCDateTime(), nullable=True),
    sa.Column("decided_by_id", sa.ForeignKey("user.id", ondelete="SET NULL"), nullable=True),
)


def coorganiser_accepted_clause() -> sa.ColumnElement[bool]:
    """SQL: the series_coorganiser row is an accepted co-organiser (the only kind anything public counts)."""
    return series_coorganiser.c.status == CoorganiserStatus.ACCEPTED.value


class Venue(Model):
    __tablename__ = "venue"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    accessibility: Mapped[str] = mapped_column(sa.Text, default="")
    # The language the accessibility notes are written in (versions in other languages: text_versions).
    original_language: Mapped[str] = mapped_column(sa.String(16), default=network_language, server_default="en")
    capacity: Mapped[int | None] = mapped_column()
    # Optimistic locking: every UPDATE checks it; each change bumps it (ink.saving), so a stale save is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()
    text_versions: Mapped[list[VenueTextVersion]] = relationship(
        back_populates="venue", cascade="all, delete-orphan", order_by="VenueTextVersion.language"
    )
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # see ink.saving

    TEXT_NAMES: ClassVar[tuple[str, ...]] = ("accessibility",)
    HTML_TEXTS: ClassVar[tuple[str, ...]] = ()

    @property
    def original_texts(self) -> dict[str, str]:
        """The texts that may have versions in other languages, as written originally."""
        return {"accessibility": self.accessibility or ""}

    @property
    def texts_revision(self) -> str:
        """Names the state of the original texts (a version records the one it was written against)."""
        return texts_revision(self.original_texts)

    @property
    def has_geo(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def __repr__(self) -> str:
        return f"<Venue {self.slug}>"


class SeriesLanguage(Model):
    """A language spoken at a series' events (BCP 47 code)."""

    __tablename__ = "series_language"

    series_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event_series.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True, index=True)


class SeriesAudience(Model):
    """One of the audiences (``Audience``) a series is for."""

    __tablename__ = "series_audience"

    series_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event_series.id", ondelete="CASCADE"), primary_key=True
    )
    audience: Mapped[Audience] = mapped_column(_enum(Audience), primary_key=True, index=True)


class EventSeries(Model):
    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    # RFC 7986: a random UUID, stored, never derived from host names or people.
    uid: Mapped[str] = mapped_column(sa.String(64), unique=True, default=lambda: str(uuid.uuid4()))
    title: Mapped[str] = mapped_column(sa.String(200))
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venue.id"), index=True)
    # Free text about who is welcome ("Children with an adult"); the audiences are audience_rows.
    audience_note: Mapped[str] = mapped_column(sa.String(200), default="")
    # The language title, description and audience note are written in (versions: text_versions).
    original_language: Mapped[str] = mapped_column(sa.String(16), default=network_language, server_default="en")
    age_min: Mapped[int | None] = mapped_column()
    age_max: Mapped[int | None] = mapped_column()
    is_drop_in: Mapped[bool] = mapped_column(default=False)
    registration_url: Mapped[str | None] = mapped_column(sa.String(500))
    # The first instance as wall-clock time in `timezone` (naive); for all-day series, midnight.
    start_local: Mapped[datetime] = mapped_column(sa.DateTime)
    duration_minutes: Mapped[int | None] = mapped_column()
    is_all_day: Mapped[bool] = mapped_column(default=False)
    all_day_days: Mapped[int] = mapped_column(default=1)
    timezone: Mapped[str] = mapped_column(sa.String(64), default=network_timezone)
    rrule: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[SeriesStatus] = mapped_column(_enum(SeriesStatus), default=SeriesStatus.DRAFT)
    cancel_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    # iCal SEQUENCE: increases whenever a date, time, rule or status changes.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Occurrences exist up to this instant; the scheduler moves it forward.
    materialised_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Optimistic locking: every UPDATE checks it; each change bumps it (ink.saving), so a stale save is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    # The event's picture (ink.pictures), through series_picture; a replaced one keeps its row.
    picture: Mapped[Picture | None] = relationship(secondary=lambda: series_picture, uselist=False)
    # Every co-organiser named, whatever its consent (the series form, the organiser's own pages).
    coorganisers: Mapped[list[Organisation]] = relationship(
        secondary=series_coorganiser, order_by=Organisation.name
    )
    # Only those that accepted: what the public, feeds and reminders see.
    accepted_coorganisers: Mapped[list[Organisation]] = relationship(
        secondary=series_coorganiser, order_by=Organisation.name, viewonly=True,
        primaryjoin=lambda: EventSeries.id == series_coorganiser.c.series_id,
        secondaryjoin=lambda: sa.and_(Organisation.id == series_coorganiser.c.organisation_id,
                                      coorganiser_accepted_clause()),
    )
    venue: Mapped[Venue | None] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    topics: Mapped[list[Topic]] = relationship(secondary=series_topic, order_by=Topic.name)
    language_rows: Mapped[list[SeriesLanguage]] = relationship(
        cascade="all, delete-orphan", order_by=SeriesLanguage.code
    )
    audience_rows: Mapped[list[SeriesAudience]] = relationship(cascade="all, delete-orphan")
    occurrences: Mapped[list[Occurrence]] = relationship(
        back_populates="series", order_by="Occurrence.original_start_at", passive_deletes=True
    )
    text_versions: Mapped[list[SeriesTextVersion]] = relationship(
        back_populates="series", cascade="all, delete-orphan", order_by="SeriesTextVersion.language"
    )

    TEXT_NAMES: ClassVar[tuple[str, ...]] = ("title", "description_html", "audience_note")
    HTML_TEXTS: ClassVar[tuple[str, ...]] = ("description_html",)  # sanitised like the original

    @property
    def original_texts(self) -> dict[str, str]:
        """The texts that may have versions in other languages, as written originally."""
        return {"title": self.title or "", "description_html": self.description_html or "",
                "audience_note": self.audience_note or ""}

    @property
    def texts_revision(self) -> str:
        """Names the state of the original texts (a version records the one it was written against)."""
        return texts_revision(self.original_texts)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # see ink.saving
    # Bookkeeping the scheduler writes: not an edit, so it does not make open edit forms stale.
    unversioned_attributes = frozenset({"materialised_until"})

    @property
    def languages(self) -> list[str]:
        return [row.code for row in self.language_rows]

    @property
    def audiences(self) -> list[Audience]:
        """The series' audiences in the set's own order."""
        return sorted((row.audience for row in self.audience_rows), key=AUDIENCE_ORDER.__getitem__)

    @property
    def duration(self) -> timedelta:
        if self.is_all_day:
            return timedelta(days=self.all_day_days)
        return timedelta(minutes=self.duration_minutes or 0)

    @property
    def start_at(self) -> datetime:
        return local_to_utc(self.start_local, self.timezone)

    @property
    def is_draft(self) -> bool:
        return self.status == SeriesStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == SeriesStatus.PUBLISHED

    # --- what the public may see: the one home of the rule (programme, pages, feeds, API, reminders)

    @property
    def is_public(self) -> bool:
        """The public may see this series: published (or cancelled) by an active organisation."""
        return self.status in SHOWN_STATUSES and self.organisation.is_public

    @classmethod
    def public_clause(cls) -> sa.ColumnElement[bool]:
        """``is_public`` as SQL, for any query with EventSeries in its FROM list."""
        # A correlated scalar subquery: both planners look the organisation up by its key per row. (An
        # IN (SELECT …) made SQLite drive the query from the organisations: 2-3× slower programme pages.)
        organisation_is_public = (
            sa.select(Organisation.public_clause()).where(Organisation.id == cls.organisation_id).scalar_subquery()
        )
        return sa.and_(cls.status.in_(SHOWN_STATUSES), organisation_is_public)

    @property
    def is_open(self) -> bool:
        """Public and not cancelled: its dates take place (subscriptions, reminders)."""
        return self.status == SeriesStatus.PUBLISHED and self.is_public

    @property
    def public_block(self) -> str | None:
        """Why a published series is not public yet: the organisation's status, else None."""
        if self.status in SHOWN_STATUSES and not self.organisation.is_public:
            return str(self.organisation.status)
        return None

    @property
    def is_cancelled(self) -> bool:
        return self.status == SeriesStatus.CANCELLED

    @property
    def organisations(self) -> list[Organisation]:
        """The organiser first, then the co-organisers that accepted (what the public sees)."""
        return [self.organisation, *self.accepted_coorganisers]

    def __repr__(self) -> str:
        return f"<EventSeries {self.id} {self.title!r}>"


class SeriesTextVersion(TextVersionColumns, Model):
    """An event series' title, description and audience note in a language other than the original's."""

    __tablename__ = "series_text_version"
    __table_args__ = (sa.UniqueConstraint("series_id", "language"),)

    series_id: Mapped[int] = mapped_column(sa.ForeignKey("event_series.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    audience_note: Mapped[str] = mapped_column(sa.String(200), default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    series: Mapped[EventSeries] = relationship(back_populates="text_versions")
    updated_by: Mapped[User | None] = relationship()
    # Optimistic locking as for the subject (ink.saving): a stale edit of the version is a 409.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @property
    def texts(self) -> dict[str, str]:
        return {"title": self.title or "", "description_html": self.description_html or "",
                "audience_note": self.audience_note or ""}

    @property
    def is_stale(self) -> bool:
        """May be out of date: the series' texts changed since this version was written."""
        return self.is_out_of_date(self.series.texts_revision)

    def __repr__(self) -> str:
        return f"<SeriesTextVersion {self.series_id} {self.language}>"


class VenueTextVersion(TextVersionColumns, Model):
    """A venue's accessibility notes in a language other than the original's."""

    __tablename__ = "venue_text_version"
    __table_args__ = (sa.UniqueConstraint("venue_id", "language"),)

    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("venue.id", ondelete="CASCADE"), index=True)
    accessibility: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    venue: Mapped[Venue] = relationship(back_populates="text_versions")
    updated_by: Mapped[User | None] = relationship()
    # Optimistic locking as for the subject (ink.saving): a stale edit of the version is a 409.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @property
    def texts(self) -> dict[str, str]:
        return {"accessibility": self.accessibility or ""}

    @property
    def is_stale(self) -> bool:
        """May be out of date: the venue's notes changed since this version was written."""
        return self.is_out_of_date(self.venue.texts_revision)

    def __repr__(self) -> str:
        return f"<VenueTextVersion {self.venue_id} {self.language}>"


class Occurrence(Model):
    __tablename__ = "occurrence"
    __table_args__ = (
        sa.UniqueConstraint("series_id", "original_start_at"),
        sa.Index("ix_occurrence_start_at_end_at", "start_at", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("event_series.id"), index=True)
    # The instance the rule produced: the iCal RECURRENCE-ID. Never changes.
    original_start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Effective times (the original ones unless moved); kept for range queries.
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    is_moved: Mapped[bool] = mapped_column(default=False)
    status: Mapped[OccurrenceStatus] = mapped_column(
        _enum(OccurrenceStatus), default=OccurrenceStatus.SCHEDULED
    )
    cancel_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venue.id"))
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    series: Mapped[EventSeries] = relationship(back_populates="occurrences")
    venue_override: Mapped[Venue | None] = relationship(foreign_keys=[venue_id])

    @property
    def venue(self) -> Venue | None:
        return self.venue_override or self.series.venue

    @property
    def is_cancelled(self) -> bool:
        return self.status == OccurrenceStatus.CANCELLED or self.series.status == SeriesStatus.CANCELLED

    @property
    def is_live(self) -> bool:
        """The date takes place and the public may see it: scheduled, of an open series."""
        return self.status == OccurrenceStatus.SCHEDULED and self.series.is_open

    @classmethod
    def live_clause(cls) -> sa.ColumnElement[bool]:
        """``is_live`` as SQL, for a query joining Occurrence to its EventSeries."""
        return sa.and_(cls.takes_place_clause(), EventSeries.public_clause())

    @classmethod
    def takes_place_clause(cls) -> sa.ColumnElement[bool]:
        """A scheduled date of a published series, public or not (attendance, the staff dashboard);
        for a query joining Occurrence to its EventSeries."""
        return sa.and_(cls.status == OccurrenceStatus.SCHEDULED, EventSeries.status == SeriesStatus.PUBLISHED)

    @property
    def has_exception(self) -> bool:
        """True when this occurrence differs from what the rule alone would give."""
        return (
            self.is_moved
            or self.status == OccurrenceStatus.CANCELLED
            or self.venue_id is not None
            or bool(self.note)
        )

    def __repr__(self) -> str:
        return f"<Occurrence {self.series_id}@{self.original_start_at.isoformat()}>"


class ModerationKind(enum.StrEnum):
    """What a reviewed organisation's editor asked for: to publish, to change a public event, to move a date."""

    PUBLISH = "publish"
    CHANGE = "change"
    MOVE = "move"
    TEXT = "text"  # add or change a version of the texts in another language (issue 12)


class ModerationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"
    # Replaced by a newer request, or taken back by an edit that left the public fields as they are.
    WITHDRAWN = "withdrawn"


MODERATION_KIND_LABELS: dict[ModerationKind, str] = {
    ModerationKind.PUBLISH: N_("Publish the event"),
    ModerationKind.CHANGE: N_("Change the event"),
    ModerationKind.MOVE: N_("Move a date"),
    ModerationKind.TEXT: N_("Add or change a version in another language"),
}


class ModerationRequest(Model):
    """A reviewed organisation's publish, change or move waiting for (or decided by) a coordinator.

    ``proposed`` holds the proposed values (JSON): for a change the held fields of the series (see
    ink/events/moderation.py), for a move the occurrence's new start, end, venue and note, for a text the
    version's language and texts; empty for a publish.
    Until approval the series and occurrence rows stay as they are, so the public sees the approved version.
    """

    __tablename__ = "moderation_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(sa.ForeignKey("event_series.id", ondelete="CASCADE"), index=True)
    occurrence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("occurrence.id", ondelete="CASCADE"))
    kind: Mapped[ModerationKind] = mapped_column(_enum(ModerationKind))
    status: Mapped[ModerationStatus] = mapped_column(_enum(ModerationStatus), default=ModerationStatus.PENDING,
                                                     index=True)
    proposed: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # type: ignore[type-arg]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # A system submission (a sync: no user) names the calendar source it came from; empty for an editor's.
    source_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    series: Mapped[EventSeries] = relationship()
    occurrence: Mapped[Occurrence | None] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def kind_label(self) -> str:
        """The English msgid of the kind's label (translate it with gettext)."""
        return MODERATION_KIND_LABELS[self.kind]

    @property
    def is_pending(self) -> bool:
        return self.status == ModerationStatus.PENDING

    @property
    def is_returned(self) -> bool:
        return self.status == ModerationStatus.RETURNED

    @property
    def is_approved(self) -> bool:
        return self.status == ModerationStatus.APPROVED

    @property
    def is_publish(self) -> bool:
        return self.kind == ModerationKind.PUBLISH

    @property
    def is_change(self) -> bool:
        return self.kind == ModerationKind.CHANGE

    @property
    def is_move(self) -> bool:
        return self.kind == ModerationKind.MOVE

    @property
    def is_text(self) -> bool:
        return self.kind == ModerationKind.TEXT

    def __repr__(self) -> str:
        return f"<ModerationRequest {self.id} {self.kind} of {self.series_id} {self.status}>"


class SearchDocument(Model):
    """What free-text search finds a series by (ink/events/search.py keeps it current): its words,
    already folded (``ink.core.text.search_tokens``) and joined by spaces, in three weighted fields.

    Each field may hold several texts (issue 12: an event's title and description in several languages).
    The database's own engine indexes it: an FTS5 table kept in step by triggers on SQLite, a GIN index
    over the weighted ``tsvector`` on PostgreSQL (both made by SEARCH_DDL below and migration 0012)."""

    __tablename__ = "search_document"

    series_id: Mapped[int] = mapped_column(sa.ForeignKey("event_series.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    title: Mapped[str] = mapped_column(sa.Text, default="")  # the title(s): weighs most
    names: Mapped[str] = mapped_column(sa.Text, default="")  # organisers, venue, topics
    body: Mapped[str] = mapped_column(sa.Text, default="")  # description, audience note


# The tsvector PostgreSQL searches (the GIN index's expression; queries repeat it word for word).
SEARCH_TSVECTOR_SQL = ("(setweight(to_tsvector('simple'::regconfig, search_document.title), 'A'::\"char\")"
                       " || setweight(to_tsvector('simple'::regconfig, search_document.names), 'B'::\"char\")"
                       " || setweight(to_tsvector('simple'::regconfig, search_document.body), 'C'::\"char\"))")
# Text is folded in Python first (the same on both databases); marks stay inside words (other scripts).
SEARCH_FTS_TOKENIZER = "unicode61 remove_diacritics 2 categories 'L* N* Co M*'"
_FTS_COLUMNS = "title, names, body"
_FTS_NEW = "new.series_id, new.title, new.names, new.body"
_FTS_OLD = "'delete', old.series_id, old.title, old.names, old.body"
SEARCH_DDL: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # dialect: (create, drop) statements
    "sqlite": (
        (f"CREATE VIRTUAL TABLE search_fts USING fts5({_FTS_COLUMNS}, content='search_document', "
         f"content_rowid='series_id', tokenize=\"{SEARCH_FTS_TOKENIZER}\", prefix='2 3')",
         f"CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
         f"INSERT INTO search_fts(rowid, {_FTS_COLUMNS}) VALUES ({_FTS_NEW}); END",
         f"CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
         f"INSERT INTO search_fts(search_fts, rowid, {_FTS_COLUMNS}) VALUES ({_FTS_OLD}); END",
         f"CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
         f"INSERT INTO search_fts(search_fts, rowid, {_FTS_COLUMNS}) VALUES ({_FTS_OLD}); "
         f"INSERT INTO search_fts(rowid, {_FTS_COLUMNS}) VALUES ({_FTS_NEW}); END"),
        ("DROP TRIGGER IF EXISTS search_document_au", "DROP TRIGGER IF EXISTS search_document_ad",
         "DROP TRIGGER IF EXISTS search_document_ai", "DROP TABLE IF EXISTS search_fts"),
    ),
    "postgresql": (
        (f"CREATE INDEX ix_search_document_tsvector ON search_document USING gin ({SEARCH_TSVECTOR_SQL})",),
        ("DROP INDEX IF EXISTS ix_search_document_tsvector",),
    ),
}
# Objects of SEARCH_DDL that the models do not describe (the schema comparison leaves them out).
SEARCH_UNMODELLED = frozenset({"search_fts", "ix_search_document_tsvector"})


def _search_ddl(index: int) -> Callable[..., None]:
    def run(target: sa.Table, connection: sa.Connection, **kw: object) -> None:
        for statement in SEARCH_DDL.get(connection.dialect.name, ((), ()))[index]:
            connection.exec_driver_sql(statement)
    return run


# create_all / drop_all (the tests' schemas) make and drop them as the migration does.
sa.event.listen(SearchDocument.__table__, "after_create", _search_ddl(0))
sa.event.listen(SearchDocument.__table__, "before_drop", _search_ddl(1))
