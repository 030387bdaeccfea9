"""The transaction boundary of a request, in one place: commit, then tell the user.

A view that changed something calls ``commit_then_flash`` (or ``commit``) once the change is
complete: a commit that fails raises before any success message exists, so the error page never
shows "saved". Whatever a request did not commit is rolled back at its end (ink.web), so a failed
action is undone because it failed, whatever status its page has. ``invalid_form`` and
``conflicting_edit`` choose the status of a form shown again (422, 409) in one place.

Optimistic locking: versioned rows have a ``version`` (SQLAlchemy's ``version_id_col``: every UPDATE
checks it, so a concurrent save fails with StaleDataError, a 409). The flush hook below bumps it on
each real change and records when and by whom; an edit form carries the version it was loaded
from, and ``stale_edit_message`` tells a user whose form is out of date who changed what since.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import flash, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from ink.extensions import db, now
from ink.forms import VersionedForm
from ink.i18n import fmt_datetime

INVALID_FORM = 422
CONFLICT = 409

Page = tuple[Any, int]
BUMPED = "ink.saving.bumped_versions"  # session.info key: rows whose version this transaction bumped
FLUSHED = "ink.saving.flushed"  # session.info key: this transaction has written rows not yet committed


def commit() -> None:
    """End the request's transaction: make its changes permanent (raises if the database refuses)."""
    db.session.commit()


def commit_writes() -> None:
    """Commit if this request wrote anything: for reads that may record what they noticed."""
    if uncommitted_changes():
        commit()


def commit_then_flash(message: str, category: str = "success") -> None:
    """Commit, and only when that worked, queue the message for the next page."""
    commit()
    flash(message, category)


def uncommitted_changes() -> list[str]:
    """What the request's transaction holds that nobody committed (a forgotten ``commit``), if anything."""
    session = db.session
    pending = [*map(repr, session.new), *map(repr, session.deleted),
               *(repr(row) for row in session.dirty if session.is_modified(row))]
    return pending or (["rows written by a flush"] if session.info.get(FLUSHED) else [])


def invalid_form(page: Any) -> Page:
    """A form shown again with its errors: 422, and nothing of this request is kept."""
    db.session.rollback()
    return page, INVALID_FORM


def form_page(page: Any, *, submitted: bool) -> Page:
    """A form page: 200 when first shown, ``invalid_form`` when it was sent and is shown again."""
    return invalid_form(page) if submitted else (page, 200)


def conflicting_edit(page: Any) -> Page:
    """An edit made from an out-of-date form, shown again: 409, nothing overwritten."""
    db.session.rollback()
    return page, CONFLICT


# --- optimistic locking ---------------------------------------------------------------------------

def is_stale(form: VersionedForm, row: Any) -> bool:
    """Whether the form was loaded from an older version of ``row`` than the stored one."""
    loaded = form.loaded_version()
    return loaded is not None and loaded != row.version


def _comparable(value: Any) -> Any:
    if value in (None, "", [], ()):
        return None
    if isinstance(value, (Decimal, float)):
        return float(value)
    if isinstance(value, str):
        return value.strip().replace("\r\n", "\n")
    if isinstance(value, (list, tuple, set)):
        return sorted(map(str, value))
    return value


def differing_fields(submitted: Any, stored: Any) -> list[str]:
    """Labels of the fields where the user's input and the stored version differ."""
    labels = []
    for field in submitted:
        if field.type in {"CSRFTokenField", "HiddenField", "SubmitField"} or field.name not in stored:
            continue
        if _comparable(field.data) != _comparable(stored[field.name].data):
            labels.append(str(field.label.text))
    return labels


def stale_edit_message(form: VersionedForm, row: Any, stored: Any) -> str:
    """Say who changed ``row`` when, and which fields differ; the form now carries the stored version,
    so saving it again (after checking) overwrites knowingly."""
    form.version.data = str(row.version)
    editor, when = getattr(row, "updated_by", None), getattr(row, "updated_at", None)
    if editor is not None and when is not None:
        message = _("%(who)s saved changes at %(when)s, after you opened this form.",
                    who=editor.display_name, when=fmt_datetime(when))
    else:
        message = _("Someone saved changes after you opened this form.")
    fields = differing_fields(form, stored)
    if fields:
        message += " " + _("The saved version differs from yours in: %(fields)s.", fields=", ".join(fields))
    return message + " " + _("Nothing was overwritten. Check your input below and save again to replace their changes.")


def _is_versioned(row: Any) -> bool:
    return sa.inspect(type(row)).version_id_col is not None


def _changed_attributes(row: Any) -> set[str]:
    return {attr.key for attr in sa.inspect(row).attrs if attr.history.has_changes()}


def _signed_in_user_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return int(current_user.id)
    return None


@sa.event.listens_for(Session, "before_flush")
def _bump_versions(session: Session, flush_context: Any, instances: Any) -> None:
    """Each change of a versioned row bumps its version and records when and by whom (when signed in).
    Bookkeeping a model lists in ``unversioned_attributes`` changes no version."""
    user_id = _signed_in_user_id()
    bumped = session.info.setdefault(BUMPED, set())
    for row in session.new:
        if _is_versioned(row) and user_id is not None and hasattr(row, "updated_by_id"):
            row.updated_by_id = user_id
    for row in session.dirty:
        if not _is_versioned(row) or not session.is_modified(row):
            continue
        changed = _changed_attributes(row)
        if changed <= {"version", *getattr(row, "unversioned_attributes", ())}:
            continue
        key = sa.inspect(row).identity_key
        if key not in bumped:  # once per transaction, however often it flushes
            row.version += 1
            bumped.add(key)
        if user_id is not None and hasattr(row, "updated_by_id"):
            row.updated_by_id = user_id
        if "updated_at" not in changed:
            row.updated_at = now()


@sa.event.listens_for(Session, "after_flush")
def _note_flush(session: Session, flush_context: Any) -> None:
    session.info[FLUSHED] = True


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _forget_transaction(session: Session) -> None:
    session.info.pop(BUMPED, None)
    session.info.pop(FLUSHED, None)
