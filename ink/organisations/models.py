"""Organisations models: Organisation, Topic, their languages, Membership (who edits what) and the
organisation description's versions in other languages (OrganisationTextVersion; TextVersionColumns is
what every subject's versions share, events' included).

Only columns, relationships and small derived properties; queries and rules live in service.py and access.py.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ink.auth.models import User
from ink.core.texts import texts_revision
from ink.extensions import Model, UTCDateTime, db, network_language
from ink.pictures.models import Picture


class OrganisationStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    ARCHIVED = "archived"


class OrganisationModeration(enum.StrEnum):
    """Whether an organisation's editors publish directly (trusted) or through a coordinator's review."""

    TRUSTED = "trusted"
    REVIEWED = "reviewed"


class MembershipRole(enum.StrEnum):
    EDITOR = "editor"


organisation_topic = sa.Table(
    "organisation_topic",
    db.metadata,
    sa.Column("organisation_id", sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
)


# An organisation's logo: at most one each (a table of its own, so adding logos altered no table).
organisation_logo = sa.Table(
    "organisation_logo",
    db.metadata,
    sa.Column("organisation_id", sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("picture_id", sa.ForeignKey("picture.id", ondelete="CASCADE"), nullable=False, index=True),
)


class Topic(Model):
    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)

    @property
    def display_name(self) -> str:
        """The name in the current interface language (the network's themes are in the catalogue)."""
        return gettext(self.name)

    def __repr__(self) -> str:
        return f"<Topic {self.slug}>"


class OrganisationLanguage(Model):
    """A language an organisation works in (BCP 47 code such as 'pl' or 'nb')."""

    __tablename__ = "organisation_language"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)


class TextVersionColumns:
    """What every version of a subject's texts in another language records besides the texts."""

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(sa.String(16))
    # The original's ``texts_revision`` this version was written against (or confirmed for).
    original_revision: Mapped[str] = mapped_column(sa.String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def is_out_of_date(self, current_revision: str) -> bool:
        """The original changed since this version was written (or last confirmed)."""
        return self.original_revision != current_revision


class Organisation(Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # The language the description is written in (versions in other languages: text_versions).
    original_language: Mapped[str] = mapped_column(sa.String(16), default=network_language, server_default="en")
    website: Mapped[str | None] = mapped_column(sa.String(300))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    status: Mapped[OrganisationStatus] = mapped_column(
        sa.Enum(OrganisationStatus, native_enum=False, length=16,
                values_callable=lambda e: [m.value for m in e]),
        default=OrganisationStatus.PENDING,
    )
    is_example: Mapped[bool] = mapped_column(default=False)
    # Reviewed (the default for new organisations): its editors' publishing and changes to what the public
    # sees wait for a coordinator (ink/events/moderation.py). Organisations from before 0010 are trusted.
    moderation: Mapped[OrganisationModeration] = mapped_column(
        sa.Enum(OrganisationModeration, native_enum=False, length=16,
                values_callable=lambda e: [m.value for m in e]),
        default=OrganisationModeration.REVIEWED,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Optimistic locking: every UPDATE checks it; each change bumps it (ink.saving), so a stale save is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    # The organisation's logo (ink.pictures), through organisation_logo; a replaced one keeps its row.
    logo: Mapped[Picture | None] = relationship(secondary=lambda: organisation_logo, uselist=False)
    topics: Mapped[list[Topic]] = relationship(secondary=organisation_topic, order_by=Topic.name)
    language_rows: Mapped[list[OrganisationLanguage]] = relationship(
        cascade="all, delete-orphan", order_by=OrganisationLanguage.code
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    text_versions: Mapped[list[OrganisationTextVersion]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="OrganisationTextVersion.language"
    )

    TEXT_NAMES: ClassVar[tuple[str, ...]] = ("description",)
    HTML_TEXTS: ClassVar[tuple[str, ...]] = ()

    @property
    def original_texts(self) -> dict[str, str]:
        """The texts that may have versions in other languages, as written originally."""
        return {"description": self.description or ""}

    @property
    def texts_revision(self) -> str:
        """Names the state of the original texts (a version records the one it was written against)."""
        return texts_revision(self.original_texts)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # see ink.saving

    @property
    def languages(self) -> list[str]:
        return [row.code for row in self.language_rows]

    @property
    def is_pending(self) -> bool:
        return self.status == OrganisationStatus.PENDING

    @property
    def is_active(self) -> bool:
        return self.status == OrganisationStatus.ACTIVE

    @property
    def is_archived(self) -> bool:
        return self.status == OrganisationStatus.ARCHIVED

    @property
    def is_trusted(self) -> bool:
        """Its editors publish directly, without a coordinator's review."""
        return self.moderation == OrganisationModeration.TRUSTED

    @property
    def is_reviewed(self) -> bool:
        """Its editors' publishing and changes to public events wait for a coordinator's review."""
        return self.moderation == OrganisationModeration.REVIEWED

    @property
    def is_public(self) -> bool:
        """Only active organisations (approved, not archived) and their events are public."""
        return self.is_active

    @classmethod
    def public_clause(cls) -> sa.ColumnElement[bool]:
        """``is_public`` as SQL."""
        return cls.status == OrganisationStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Membership(Model):
    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MembershipRole] = mapped_column(
        sa.Enum(MembershipRole, native_enum=False, length=16,
                values_callable=lambda e: [m.value for m in e]),
        default=MembershipRole.EDITOR,
    )

    # One-way: auth is the bottom domain and knows nothing of organisations (the database
    # deletes a user's memberships with the user: ON DELETE CASCADE).
    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class ApplicationStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"  # sent, the applicant has not yet confirmed the address
    WAITING = "waiting"  # confirmed: in the coordinators' queue
    APPROVED = "approved"
    DECLINED = "declined"


class OrganisationApplication(Model):
    """An organisation's application to join (/join): what it wrote, who applied, and what became of it.

    Coordinators see it only once the applicant confirmed the address; ``nonce`` makes the confirmation
    link single-use (it is cleared when used)."""

    __tablename__ = "organisation_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    website: Mapped[str | None] = mapped_column(sa.String(300))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    # Language codes and topic ids as lists (topics are looked up again when the application is approved).
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    topic_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    applicant_name: Mapped[str] = mapped_column(sa.String(120))
    applicant_email: Mapped[str] = mapped_column(sa.String(254), index=True)
    locale: Mapped[str] = mapped_column(sa.String(10), default="en")
    status: Mapped[ApplicationStatus] = mapped_column(
        sa.Enum(ApplicationStatus, native_enum=False, length=16,
                values_callable=lambda e: [m.value for m in e]),
        default=ApplicationStatus.UNCONFIRMED,
    )
    nonce: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decline_message: Mapped[str] = mapped_column(sa.Text, default="")
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="SET NULL"))

    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])

    @property
    def is_unconfirmed(self) -> bool:
        return self.status == ApplicationStatus.UNCONFIRMED

    @property
    def is_waiting(self) -> bool:
        return self.status == ApplicationStatus.WAITING

    @property
    def is_approved(self) -> bool:
        return self.status == ApplicationStatus.APPROVED

    @property
    def is_declined(self) -> bool:
        return self.status == ApplicationStatus.DECLINED

    def __repr__(self) -> str:
        return f"<OrganisationApplication {self.id} {self.name!r}>"


class InvitationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"


class Invitation(Model):
    """An invitation by email to become an editor of an organisation (ink/organisations/invitations.py).

    The emailed link names the row and its current ``nonce``: re-sending makes a new nonce (the older
    link then no longer works), accepting or revoking ends it, and ``expires_at`` bounds it."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)  # normalised
    # Who sent it; None: the network (e.g. an approved application to join).
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # The language the email is written in: the inviter's choice at the time.
    locale: Mapped[str] = mapped_column(sa.String(10), default="en")
    status: Mapped[InvitationStatus] = mapped_column(
        sa.Enum(InvitationStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=InvitationStatus.PENDING,
    )
    nonce: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    send_count: Mapped[int] = mapped_column(default=1)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # accepted or revoked
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def is_pending(self) -> bool:
        return self.status == InvitationStatus.PENDING

    @property
    def is_accepted(self) -> bool:
        return self.status == InvitationStatus.ACCEPTED

    @property
    def is_revoked(self) -> bool:
        return self.status == InvitationStatus.REVOKED

    def is_expired(self, now: datetime) -> bool:
        """Whether the link has run out (only a pending invitation can expire)."""
        return self.is_pending and self.expires_at <= now

    def __repr__(self) -> str:
        return f"<Invitation {self.id} to {self.organisation_id}>"


class OrganisationTextVersion(TextVersionColumns, Model):
    """An organisation's description in a language other than the original's."""

    __tablename__ = "organisation_text_version"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "language"),)

    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship(back_populates="text_versions")
    updated_by: Mapped[User | None] = relationship()
    # Optimistic locking as for the subject (ink.saving): a stale edit of the version is a 409.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @property
    def texts(self) -> dict[str, str]:
        return {"description": self.description or ""}

    @property
    def is_stale(self) -> bool:
        """May be out of date: the organisation's description changed since this version was written."""
        return self.is_out_of_date(self.organisation.texts_revision)

    def __repr__(self) -> str:
        return f"<OrganisationTextVersion {self.organisation_id} {self.language}>"
