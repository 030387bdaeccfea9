"""Clear failures: one line for an operator instead of pages of tracebacks.

A command that fails because the database is unreachable or misconfigured, or a file it must write is
not writable, prints one ``Error: …`` line and exits with status 1 (``one_line_failures`` wraps every
command's callback). An unexpected error during a request is logged as one concise line followed by
one traceback, without the chained copy of the driver's exception beneath it.
"""
from __future__ import annotations

import functools
import logging
import traceback
from typing import Any

import click
import sqlalchemy as sa

WRAPPED_MARK = "_ink_one_line_failures"


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def describe_failure(error: BaseException) -> str | None:
    """One line saying what went wrong, for the failures an operator can fix; None for anything else (a bug)."""
    if isinstance(error, sa.exc.DBAPIError):
        reason = first_line(str(error.orig)) if error.orig is not None else first_line(str(error))
        if _is_missing_schema(error, reason):
            return f"The database schema is missing or out of date ({reason}): run flask --app ink db upgrade."
        if "readonly database" in reason or "read-only" in reason:
            return (f"The database is read-only ({reason}): the database file and its folder (instance/ by default) "
                    "must be writable by this user.")
        if isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)):
            return f"The database is unavailable: {reason}. Check INK_DATABASE_URL and that the database server runs."
        return f"The database refused the operation: {reason}."
    if isinstance(error, sa.exc.ArgumentError):
        return f"INK_DATABASE_URL is not a usable database URL: {first_line(str(error))}."
    if isinstance(error, PermissionError):
        return f"Cannot write {error.filename}: permission denied (is the instance folder writable by this user?)."
    if isinstance(error, OSError) and error.filename:
        return f"Cannot write {error.filename}: {error.strerror} (check the path and that its folder is writable)."
    return None


def _is_missing_schema(error: sa.exc.DBAPIError, reason: str) -> bool:
    # SQLite says "no such table/column"; PostgreSQL raises UndefinedTable / UndefinedColumn.
    return reason.startswith(("no such table", "no such column")) or type(error.orig).__name__ in ("UndefinedTable", "UndefinedColumn")


def one_line_failures(command: click.Command) -> None:
    """Make ``command`` (and a group's subcommands) report operational failures as one line, exit status 1."""
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            one_line_failures(subcommand)
    callback = command.callback
    if callback is None or getattr(callback, WRAPPED_MARK, False):
        return

    @functools.wraps(callback)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except (sa.exc.SQLAlchemyError, OSError) as error:
            message = describe_failure(error)
            if message is None:
                raise
            raise click.ClickException(message) from None

    setattr(wrapped, WRAPPED_MARK, True)
    command.callback = wrapped


def failure_summary(error: BaseException) -> str:
    """One line for any error: the operator's description when there is one, else its type and first line."""
    return describe_failure(error) or f"{type(error).__name__}: {first_line(str(error))}"


def log_failure(logger: logging.Logger, error: BaseException, what: str) -> None:
    """One concise line, then one traceback (the chained driver exception is summarised, not repeated)."""
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__, chain=False))
    logger.error("%s failed: %s\n%s", what, failure_summary(error), trace.rstrip("\n"))

