"""Domain errors that services raise and views turn into 4xx responses.

Messages are English msgids marked with ``N_`` (so ``pybabel extract -k N_`` finds them) with
``%(name)s`` placeholders filled from ``params``; the web layer translates them for the visitor
(``ink.i18n.error_text``). A message about a count is marked ``NP_(singular, plural, "param")``
(``-k NP_:1,2``), so it is translated with ``ngettext`` by that parameter. Services thereby stay free
of Flask.
"""
from __future__ import annotations

from typing import Any


def N_(message: str) -> str:  # noqa: N802  (the conventional gettext_noop name)
    """Mark a message for translation without translating it here."""
    return message


class PluralMessage(str):
    """A message whose words depend on a count: the singular msgid (the ``str`` itself), the plural
    msgid, and the name of the parameter that holds the count."""

    plural: str
    count_param: str

    def __new__(cls, singular: str, plural: str, count: str) -> PluralMessage:
        message = super().__new__(cls, singular)
        message.plural = plural
        message.count_param = count
        return message


def NP_(singular: str, plural: str, count: str) -> PluralMessage:  # noqa: N802  (like N_)
    """Mark a message about the count in parameter ``count`` for translation with ``ngettext``."""
    return PluralMessage(singular, plural, count)


class DomainError(Exception):
    """Base class. ``field`` names the form field at fault, when there is one."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.field = field
        self.params = params


class ValidationFailed(DomainError):
    status_code = 400


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409
