"""Domain errors that services raise and views turn into 4xx responses."""
from __future__ import annotations


class DomainError(Exception):
    """Base class. ``field`` names the form field at fault, when there is one."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    status_code = 400


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409
