"""What a reader gets of a subject's texts in several languages (issue 12): the version in the language
they read (``?text=`` on a public page, else the interface language, which feeds and emails force to
theirs), else the original. ``texts_of`` is the templates' global (registered by the texts blueprint);
the rule itself is ink.core.texts.choose_texts, through ink.organisations.text_versions.chosen_texts.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import get_locale

from ink.core.texts import ChosenTexts
from ink.organisations import text_versions

TEXT_ARG = "text"  # ?text=pl on a public page: that version, whatever the interface language


def reader_language() -> str:
    """The language a reader wants texts in: ``?text=`` when it names one of the network's languages,
    else the interface language (pages, and feeds and emails, which force their own)."""
    wanted = request.args.get(TEXT_ARG, "") if has_request_context() else ""
    if wanted and wanted in text_versions.network_languages():
        return wanted
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def texts_of(subject: Any, language: str | None = None) -> ChosenTexts:
    """The subject's texts for this reader (ink.core.texts.choose_texts): templates call it as ``texts_of``."""
    return text_versions.chosen_texts(subject, language or reader_language())


