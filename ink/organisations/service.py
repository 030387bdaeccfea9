"""Organisations, memberships and topics."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ink.auth.models import User
from ink.core import signals
from ink.core.errors import N_, Conflict, NotFound, ValidationFailed
from ink.core.text import slugify
from ink.extensions import db
from ink.organisations.text_versions import check_original_language
from ink.organisations.models import (
    Membership,
    MembershipRole,
    Organisation,
    OrganisationLanguage,
    OrganisationModeration,
    OrganisationStatus,
    Topic,
)

# The network's themes (as the Intercultural Cities programme names them).
NETWORK_TOPICS = (
    N_("Anti-discrimination and Equality"),
    N_("Anti-rumour"),
    N_("Business and Employment"),
    N_("Communication and public awareness"),
    N_("Culture, Leisure and Heritage"),
    N_("Developing a culture of openness and Interculturality"),
    N_("Education"),
    N_("Gender equality and Intersectionality"),
    N_("Health, Social care and Family support"),
    N_("Housing and urban planning"),
    N_("International outlook"),
    N_("Leadership and Political Commitment"),
    N_("Mediation and conflict resolution"),
    N_("Multilingualism"),
    N_("Neighbourhood"),
    N_("Political and public participation"),
    N_("Public and Community Services"),
    N_("Refugees"),
    N_("Religion and Interfaith"),
    N_("Roma"),
    N_("Security, Justice and Safety"),
    N_("Welcoming and social integration"),
)


@dataclass
class OrganisationData:
    name: str
    description: str = ""
    website: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    languages: list[str] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    slug: str | None = None
    original_language: str | None = None  # of the description; None keeps the stored one


def ensure_topics() -> list[Topic]:
    """Create the network's topics that are missing (idempotent)."""
    existing = {topic.name: topic for topic in db.session.scalars(sa.select(Topic))}
    for name in NETWORK_TOPICS:
        if name not in existing:
            existing[name] = Topic(name=name, slug=slugify(name))
            db.session.add(existing[name])
    db.session.flush()
    return sorted(existing.values(), key=lambda topic: topic.name)


def all_topics() -> list[Topic]:
    """Every topic, by name."""
    return list(db.session.scalars(sa.select(Topic).order_by(Topic.name)))


def unique_slug(model: type[Any], base: str, *, exclude_id: int | None = None) -> str:
    """``base`` or ``base-2``, ``base-3``… whichever no other row of ``model`` uses."""
    base = slugify(base)
    query = sa.select(model.slug).where(model.slug.like(f"{base}%"))
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    taken = set(db.session.scalars(query))
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def create_organisation(data: OrganisationData, *, now: datetime,
                        status: OrganisationStatus = OrganisationStatus.PENDING,
                        is_example: bool = False,
                        moderation: OrganisationModeration = OrganisationModeration.REVIEWED) -> Organisation:
    """A new organisation (pending and reviewed unless told) with a unique slug; ValidationFailed for bad data."""
    _check(data)
    organisation = Organisation(
        slug=_claim_slug(data.slug, data.name), status=status, is_example=is_example, moderation=moderation,
        created_at=now, updated_at=now,
    )
    _apply(organisation, data)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def update_organisation(organisation: Organisation, data: OrganisationData, *, now: datetime) -> Organisation:
    """Change an organisation's profile (and slug, if given and free); ValidationFailed for bad data."""
    _check(data)
    if data.slug and data.slug != organisation.slug:
        organisation.slug = _claim_slug(data.slug, data.name, exclude_id=organisation.id)
    _apply(organisation, data)
    organisation.updated_at = now
    return organisation


def _check(data: OrganisationData) -> None:
    if not data.name.strip():
        raise ValidationFailed(N_("A name is required."), "name")


def _claim_slug(wanted: str | None, name: str, *, exclude_id: int | None = None) -> str:
    if wanted:
        slug = slugify(wanted)
        clash = db.session.scalar(sa.select(Organisation.id).where(Organisation.slug == slug))
        if clash is not None and clash != exclude_id:
            raise Conflict(N_("Another organisation already uses that address."), "slug")
        return slug
    return unique_slug(Organisation, name, exclude_id=exclude_id)


def _apply(organisation: Organisation, data: OrganisationData) -> None:
    if data.original_language:
        check_original_language(organisation, data.original_language)
        organisation.original_language = data.original_language
    organisation.name = data.name.strip()
    organisation.description = data.description.strip()
    organisation.website = data.website or None
    organisation.contact_email = data.contact_email or None
    organisation.contact_phone = data.contact_phone or None
    organisation.topics = list(data.topics)
    wanted = list(dict.fromkeys(code.strip() for code in data.languages if code.strip()))
    existing = {row.code: row for row in organisation.language_rows}
    organisation.language_rows = [existing.get(code) or OrganisationLanguage(code=code) for code in wanted]


def set_organisation_status(organisation: Organisation, status: OrganisationStatus, *, now: datetime) -> None:
    """Approve, archive or reactivate an organisation (which decides whether its events are public)."""
    if organisation.status == status:
        return
    organisation.status = status
    organisation.updated_at = now
    db.session.flush()
    signals.organisation_status_changed.send(organisation, now=now)


def set_organisation_moderation(organisation: Organisation, moderation: OrganisationModeration, *,
                                now: datetime) -> None:
    """Make an organisation trusted (its editors publish directly) or reviewed (a coordinator approves)."""
    if organisation.moderation == moderation:
        return
    organisation.moderation = moderation
    organisation.updated_at = now


def add_editor(organisation: Organisation, user: User) -> Membership:
    """Make the user an editor of the organisation (idempotent); the membership."""
    existing = db.session.scalar(
        sa.select(Membership).where(Membership.organisation_id == organisation.id, Membership.user_id == user.id)
    )
    if existing is not None:
        return existing
    membership = Membership(organisation=organisation, user=user, role=MembershipRole.EDITOR)
    db.session.add(membership)
    db.session.flush()
    return membership


def remove_membership(organisation: Organisation, membership_id: int) -> None:
    """Delete one of the organisation's memberships; NotFound if it is not one of them."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != organisation.id:
        raise NotFound(N_("No such membership."))
    db.session.delete(membership)


def get_organisation_by_slug(slug: str) -> Organisation | None:
    """The organisation with this slug, or None."""
    return db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug))


def organisations_query(*, status: OrganisationStatus | None = None,
                        ids: set[int] | None = None) -> sa.Select[tuple[Organisation]]:
    """Organisations for the manage list, by name; ``ids`` limits to those (an editor's)."""
    query = sa.select(Organisation).order_by(Organisation.name)
    if status is not None:
        query = query.where(Organisation.status == status)
    if ids is not None:
        query = query.where(Organisation.id.in_(ids))
    return query


def get_organisation(organisation_id: int) -> Organisation:
    """The organisation with this id; NotFound if there is none."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(N_("No such organisation."))
    return organisation
