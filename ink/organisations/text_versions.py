"""Versions of a subject's texts in other languages (issue 12): the services every subject shares.

A subject is an event series (title, description, audience note), an organisation (description) or a
venue (accessibility notes): it has ``original_language``, ``original_texts``, ``texts_revision``,
``text_versions``, ``TEXT_NAMES`` and ``HTML_TEXTS`` (texts sanitised like the original's). The model
classes live in their own domains (OrganisationTextVersion here, SeriesTextVersion and VenueTextVersion
in ink.events.models); this module only takes them as arguments, so it imports no higher domain.

The languages a version may be in are the network's interface languages (``LANGUAGES``) other than
the original's. A version in a language no longer configured is kept (nothing is deleted when a
catalogue is switched off) but neither offered to readers nor to editors for adding.

Services never commit; the view that called them owns the transaction.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask import current_app

from ink.core import signals
from ink.core.errors import N_, NotFound, ValidationFailed
from ink.core.html import sanitise_html
from ink.core.texts import ChosenTexts, base_language, choose_texts
from ink.extensions import db


def network_languages() -> tuple[str, ...]:
    """The languages texts may be given in: the interface languages (``LANGUAGES``)."""
    return tuple(base_language(code) for code in current_app.config["LANGUAGES"])


def versions_of(subject: Any, versions: Iterable[Any] | None = None) -> dict[str, Mapping[str, str]]:
    """The subject's versions (or the ``versions`` given, loaded apart), language code -> texts."""
    return {version.language: version.texts
            for version in (subject.text_versions if versions is None else versions)}


def chosen_texts(subject: Any, wanted: str | None, versions: Iterable[Any] | None = None) -> ChosenTexts:
    """The subject's texts for a reader of ``wanted`` (ink.core.texts.choose_texts, the one fallback rule);
    ``versions``: the subject's versions when they were loaded apart from it (a feed's, in one query)."""
    return choose_texts(subject.original_language, subject.original_texts, versions_of(subject, versions), wanted,
                        languages=network_languages())


def find_text_version(subject: Any, language: str) -> Any:
    """The subject's version in ``language``; NotFound when there is none."""
    for version in subject.text_versions:
        if version.language == language:
            return version
    raise NotFound(N_("There is no version in that language."))


def languages_to_add(subject: Any) -> list[str]:
    """The network's languages a new version may be in: neither the original's nor one already given."""
    used = {subject.original_language, *(version.language for version in subject.text_versions)}
    return [code for code in network_languages() if code not in used]


def original_language_choices(subject: Any | None) -> list[str]:
    """The languages an original may be written in: the network's, and the one it has (kept if unlisted)."""
    codes = list(network_languages())
    if subject is not None and subject.original_language and subject.original_language not in codes:
        codes.append(subject.original_language)
    return codes


def check_original_language(subject: Any | None, language: str) -> None:
    """Raise ValidationFailed (field ``original_language``) when the original cannot be in ``language``:
    not one of the network's (unless it already is the original's) or a version's language already."""
    if language not in original_language_choices(subject):
        raise ValidationFailed(N_("Choose one of the languages listed."), "original_language")
    if subject is not None and subject.original_language and language != subject.original_language and any(
            version.language == language for version in subject.text_versions):
        raise ValidationFailed(N_("There is already a version in this language: remove it first, or choose "
                                  "another language."), "original_language")


def clean_texts(subject: Any, texts: Mapping[str, str]) -> dict[str, str]:
    """The subject's texts from a form: trimmed, HTML sanitised like the original's, unknown names dropped."""
    cleaned = {}
    for name in subject.TEXT_NAMES:
        value = (texts.get(name) or "").strip()
        cleaned[name] = sanitise_html(value) if name in subject.HTML_TEXTS else value
    return cleaned


def _check_texts(subject: Any, texts: Mapping[str, str]) -> None:
    first = subject.TEXT_NAMES[0]
    if not texts[first]:
        raise ValidationFailed(N_("This text is required in a version."), first)


def add_text_version(subject: Any, model: type, language: str, texts: Mapping[str, str], *, now: datetime) -> Any:
    """A new version of the subject's texts in ``language``; ValidationFailed (field ``language``)
    for the original's language, one already given or one not of the network, or an empty first text."""
    language = base_language(language)
    if language not in languages_to_add(subject):
        raise ValidationFailed(N_("Choose a language that has no version yet and is not the original's."), "language")
    cleaned = clean_texts(subject, texts)
    _check_texts(subject, cleaned)
    version = model(language=language, original_revision=subject.texts_revision, created_at=now, updated_at=now,
                    **cleaned)
    subject.text_versions.append(version)
    db.session.flush()
    signals.texts_changed.send(subject, now=now)
    return version


def update_text_version(subject: Any, version: Any, texts: Mapping[str, str], *, now: datetime) -> Any:
    """Change a version's texts; it is then written against the original as it is now (not out of date)."""
    cleaned = clean_texts(subject, texts)
    _check_texts(subject, cleaned)
    for name, value in cleaned.items():
        setattr(version, name, value)
    version.original_revision = subject.texts_revision
    version.updated_at = now
    db.session.flush()
    signals.texts_changed.send(subject, now=now)
    return version


def confirm_text_version(subject: Any, version: Any, *, now: datetime) -> Any:
    """Say a version still matches the original as it is now: the "may be out of date" flag goes."""
    version.original_revision = subject.texts_revision
    version.updated_at = now
    return version


def remove_text_version(subject: Any, version: Any, *, now: datetime) -> None:
    """Delete a version: readers of its language get the original again."""
    subject.text_versions.remove(version)
    db.session.flush()
    signals.texts_changed.send(subject, now=now)
