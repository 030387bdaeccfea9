"""Texts in several languages (issue 12): which version of a subject's texts a reader gets.

A subject (an event series, an organisation, a venue) has its original texts, written in its original
language, and optional versions in other languages. ``choose_texts`` is the one home of the fallback
rule, used by every surface (pages, feeds, emails, the API): the wanted language's version when one
exists, else the original. ``texts_revision`` names a state of the original's texts, so a version can
say which state it was written against and be flagged "may be out of date" when the original changed.

Pure: no Flask, no database, no ink imports.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

REVISION_LENGTH = 16


def texts_revision(texts: Mapping[str, str]) -> str:
    """A short digest of the original's texts: changes exactly when one of those texts changes
    (whitespace at the ends and Windows line breaks do not count)."""
    digest = hashlib.sha256()
    for name in sorted(texts):
        value = (texts[name] or "").strip().replace("\r\n", "\n")
        digest.update(name.encode() + b"\0" + value.encode() + b"\0")
    return digest.hexdigest()[:REVISION_LENGTH]


def base_language(code: str | None) -> str:
    """The language part of a code, lower case ("pl" of "pl-PL", "nb" of "nb_NO")."""
    return (code or "").replace("_", "-").split("-")[0].strip().lower()


@dataclass(frozen=True)
class ChosenTexts:
    """What a reader gets: the texts, their real language, and what else exists."""

    texts: Mapping[str, str]
    language: str  # the real language of ``texts``
    original_language: str
    is_fallback: bool  # the wanted language has no version: these are the original's texts
    # Every language the texts exist in (the original first, then the versions offered, by code),
    # other than ``language``.
    others: tuple[str, ...] = field(default=())
    # A text the version left empty is the original's: its own language (name -> code).
    languages: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_original(self) -> bool:
        return self.language == self.original_language

    def lang(self, name: str) -> str:
        """The real language of one text (the version's, or the original's where the version is empty)."""
        return self.languages.get(name, self.language)

    def __getitem__(self, name: str) -> str:
        return self.texts.get(name, "")


def offered_versions(original_language: str, versions: Mapping[str, Mapping[str, str]],
                     languages: Iterable[str] | None) -> dict[str, Mapping[str, str]]:
    """The versions a reader may be given: in one of ``languages`` (None: any) and not the original's."""
    allowed = None if languages is None else {base_language(code) for code in languages}
    original = base_language(original_language)
    return {code: texts for code, texts in sorted(versions.items())
            if base_language(code) != original and (allowed is None or base_language(code) in allowed)}


def choose_texts(original_language: str, original: Mapping[str, str],
                 versions: Mapping[str, Mapping[str, str]], wanted: str | None,
                 languages: Iterable[str] | None = None) -> ChosenTexts:
    """The texts to show a reader who wants ``wanted``: its version when one exists (among those in
    ``languages``, the network's languages; None: all), else the original. A version's empty text
    falls back to the original's for that text only (a version always has a title, as the original)."""
    offered = offered_versions(original_language, versions, languages)
    wanted_code = base_language(wanted)
    all_languages = (original_language, *offered)
    if wanted_code in offered:
        version = offered[wanted_code]
        texts = {name: (version.get(name) or value) for name, value in original.items()}
        languages = {name: (wanted_code if version.get(name) or not value else original_language)
                     for name, value in original.items()}
        return ChosenTexts(texts=texts, language=wanted_code, original_language=original_language,
                           is_fallback=False, others=tuple(code for code in all_languages if code != wanted_code),
                           languages=languages)
    return ChosenTexts(
        texts=dict(original), language=original_language, original_language=original_language,
        is_fallback=bool(wanted_code) and wanted_code != base_language(original_language),
        others=tuple(offered),
    )
