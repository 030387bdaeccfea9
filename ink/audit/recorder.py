"""The audit log's recorder: a session listener that writes an AuditEntry for every create, edit and
delete of a mapped object, so every domain's changes are logged without any domain importing this.

What is recorded is decided by the tables below (data, easy to extend at merge):

* ``EXCLUDED_TABLES`` and ``EXCLUDED_NAME``: machine and residents' tables (the outbox, door taps,
  heartbeats, sessions, tokens, rate limits, subscribers and subscriptions: the log never holds a
  resident's address). Their cost is one dictionary lookup per object per flush.
* Owned rows (a composite primary key that includes a foreign key, like ``series_language``) and
  plain association tables (``series_topic``, ``series_coorganiser``) are not logged as rows: their
  changes appear as an edit of the owner's collection (``topics``: before and after).
* ``SENSITIVE_NAME``: columns named like hash, token, secret, nonce or password are never stored,
  only that they changed.
* ``QUIET_COLUMNS``: bookkeeping (version, updated_at, ...) that alone makes no entry.
* ``ACTION_RULES`` / ``CREATE_ACTIONS`` / ``DELETE_ACTIONS`` / ``EDIT_ACTIONS`` / ``STATUS_ACTIONS``:
  how a change is named (publish, cancel, move, approve, add-member, invite, change-count, ...).

The actor is the signed-in user of the request, or whoever ``acting_as`` names (the demo seeding,
a command acting for someone), else the system (None). This module imports no domain.
"""
from __future__ import annotations

import contextlib
import contextvars
import enum
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context, has_request_context
from flask_login import current_user
from sqlalchemy.orm import Mapper, Session

from ink.audit.models import AuditEntry
from ink.core.time import utc_to_local
from ink.extensions import network_timezone, now

# --- what is recorded --------------------------------------------------------------------------------

EXCLUDED_TABLES = frozenset({
    "audit_entry",
    # reminders: residents' addresses and consent, the outbox and the scheduler
    "subscriber", "subscription", "erased_address", "outbox_message", "scheduler_heartbeat", "staff_mail_opt_out",
    # attendance: the door counter's machine rows (the accepted count is logged on attendance_record)
    "door_tap", "door_count", "attendance_revision",
    # feeds: a version counter
    "feed_state",
})
# Tables other domains add later are excluded by name when they are machine or secret rows.
EXCLUDED_NAME = re.compile(r"session|token|nonce|rate_?limit|heartbeat|outbox|subscri|scheduler|lock$")
SENSITIVE_NAME = re.compile(r"hash|token|secret|nonce|password", re.IGNORECASE)
QUIET_COLUMNS = frozenset({"version", "updated_at", "updated_by_id", "sequence", "materialised_until"})
QUIET_COLUMNS_BY_TABLE: dict[str, frozenset[str]] = {"user": frozenset({"last_login_at"})}
# Rows made and dropped by rule (an occurrence follows from its series' recurrence rule): their
# creation and removal are part of the series' edit; changes made to one of them are logged.
UNLOGGED_CREATE_DELETE = frozenset({"occurrence"})
MAX_VALUE_CHARS = 2000

ANY = object()  # any new value
SET = object()  # any value other than None


@dataclass(frozen=True)
class ActionRule:
    """A change of ``column`` of ``table`` to ``new`` (from ``old``) is the named action."""

    table: str
    column: str
    new: Any
    action: str
    old: Any = ANY

    def matches(self, table: str, changes: dict[str, dict[str, Any]]) -> bool:
        change = changes.get(self.column)
        if table != self.table or change is None or "after" not in change:
            return False
        return _value_matches(self.new, change["after"]) and _value_matches(self.old, change.get("before"))


def _value_matches(expected: Any, value: Any) -> bool:
    if expected is ANY:
        return True
    if expected is SET:
        return value is not None
    return bool(value == expected)


# First match wins: specific rules before general ones.
ACTION_RULES: tuple[ActionRule, ...] = (
    ActionRule("event_series", "status", "cancelled", "cancel"),
    ActionRule("event_series", "status", "published", "restore", old="cancelled"),
    ActionRule("event_series", "status", "published", "publish"),
    ActionRule("event_series", "status", "draft", "unpublish"),
    ActionRule("occurrence", "status", "cancelled", "cancel"),
    ActionRule("occurrence", "status", "scheduled", "restore"),
    ActionRule("occurrence", "start_at", ANY, "move"),
    ActionRule("occurrence", "end_at", ANY, "move"),
    ActionRule("occurrence", "venue_id", ANY, "move"),
    ActionRule("organisation", "status", "active", "approve"),
    ActionRule("organisation", "status", "archived", "archive"),
    ActionRule("organisation", "status", "pending", "set-pending"),
    ActionRule("user", "is_active_account", False, "deactivate"),
    ActionRule("user", "is_active_account", True, "reactivate"),
    ActionRule("invitation", "status", "revoked", "revoke-invitation"),
    ActionRule("invitation", "status", "accepted", "accept-invitation"),
    ActionRule("invitation", "send_count", ANY, "resend-invitation"),
)
CREATE_ACTIONS: dict[str, str] = {
    "membership": "add-member", "invitation": "invite", "attendance_record": "record-count",
}
DELETE_ACTIONS: dict[str, str] = {
    "membership": "remove-member", "invitation": "delete-invitation", "attendance_record": "delete-count",
}
EDIT_ACTIONS: dict[str, str] = {"attendance_record": "change-count", "membership": "change-member"}
# Any table's ``status`` column changing to one of these values (a table without a rule above).
STATUS_ACTIONS: dict[str, str] = {
    "published": "publish", "cancelled": "cancel", "approved": "approve", "declined": "decline",
    "returned": "return", "rejected": "reject", "accepted": "accept", "revoked": "revoke", "archived": "archive",
}

# Where an object's organisation is found: attribute paths tried in turn (the first not None wins).
ORGANISATION_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "organisation": (("id",),),
    "occurrence": (("series", "organisation_id"),),
    "attendance_record": (("occurrence", "series", "organisation_id"),),
    "door_link": (("occurrence", "series", "organisation_id"),),
}
DEFAULT_ORGANISATION_PATHS: tuple[tuple[str, ...], ...] = (
    ("organisation_id",), ("series", "organisation_id"), ("occurrence", "series", "organisation_id"),
)
LABEL_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "membership": (("user", "display_name"),),
    "attendance_record": (("occurrence", "series", "title"),),
    "door_link": (("occurrence", "series", "title"),),
    "attendance_category": (("name",),),
    "picture": (("alt_text",),),
}
DEFAULT_LABEL_PATHS: tuple[tuple[str, ...], ...] = (
    ("title",), ("name",), ("display_name",), ("code",), ("slug",), ("series", "title"), ("email",),
)


# --- the actor ---------------------------------------------------------------------------------------

_acting: contextvars.ContextVar[tuple[int | None, str] | None] = contextvars.ContextVar("ink_audit_actor", default=None)


@contextlib.contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Record the changes made inside the block as made by ``user`` (None: the system)."""
    actor = (None, "") if user is None else (int(user.id), str(getattr(user, "display_name", "") or ""))
    token = _acting.set(actor)
    try:
        yield
    finally:
        _acting.reset(token)


def current_actor() -> tuple[int | None, str]:
    """(user id, name) of whoever is acting: ``acting_as``, else the signed-in user, else the system."""
    actor = _acting.get()
    if actor is not None:
        return actor
    if has_request_context() and current_user and current_user.is_authenticated:
        return int(current_user.id), str(getattr(current_user, "display_name", "") or "")
    return None, ""


# --- per-class policy (computed once per mapped class) ------------------------------------------------

@dataclass(frozen=True)
class Policy:
    table: str
    columns: tuple[tuple[str, str], ...]  # (attribute key, column name), logged columns only
    sensitive: frozenset[str]
    quiet: frozenset[str]
    collections: tuple[str, ...]  # relationships logged as the owner's collection


_policies: dict[type, Policy | None] = {}


def _is_owned(table: sa.Table) -> bool:
    """A row that only belongs to its owner: a composite key including a foreign key (series_language)."""
    keys = list(table.primary_key.columns)
    return len(keys) > 1 and any(column.foreign_keys for column in keys)


def _policy(cls: type) -> Policy | None:
    try:
        return _policies[cls]
    except KeyError:
        pass
    mapper: Mapper[Any] = sa.inspect(cls)
    table = mapper.persist_selectable
    name = getattr(table, "name", "")
    policy: Policy | None = None
    if (isinstance(table, sa.Table) and name not in EXCLUDED_TABLES and not EXCLUDED_NAME.search(name)
            and not _is_owned(table) and getattr(cls, "__audit__", True)):
        columns = tuple((prop.key, prop.columns[0].name) for prop in mapper.column_attrs
                        if isinstance(prop.columns[0], sa.Column))
        collections = tuple(
            rel.key for rel in mapper.relationships
            # Through an association table (also a single one, like an event's picture), or owned rows.
            if rel.secondary is not None
            or (rel.uselist and isinstance(rel.mapper.persist_selectable, sa.Table)
                and _is_owned(rel.mapper.persist_selectable))
        )
        policy = Policy(
            table=name, columns=columns,
            sensitive=frozenset(key for key, column in columns if SENSITIVE_NAME.search(column)),
            quiet=QUIET_COLUMNS | QUIET_COLUMNS_BY_TABLE.get(name, frozenset()),
            collections=collections,
        )
    _policies[cls] = policy
    return policy


# --- values ------------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """A JSON-ready, bounded copy of a column value."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dict, list, tuple)):
        text = json.dumps(value, default=str, ensure_ascii=False)
        return json.loads(text) if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def _follow(obj: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def _first(obj: Any, paths: tuple[tuple[str, ...], ...]) -> Any:
    for path in paths:
        value = _follow(obj, path)
        if value not in (None, ""):
            return value
    return None


def _label(obj: Any, table: str) -> str:
    if table == "occurrence":
        title = _follow(obj, ("series", "title")) or ""
        start = getattr(obj, "original_start_at", None)
        when = utc_to_local(start, network_timezone()).strftime("%Y-%m-%d %H:%M") if start else ""
        return f"{title} ({when})" if when else str(title)
    value = _first(obj, LABEL_PATHS.get(table, DEFAULT_LABEL_PATHS))
    return "" if value is None else str(value)[:300]


def _organisation_id(obj: Any, table: str) -> int | None:
    value = _first(obj, ORGANISATION_PATHS.get(table, DEFAULT_ORGANISATION_PATHS))
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _collection_label(item: Any) -> str:
    value = _first(item, (("name",), ("title",), ("code",), ("audience",), ("display_name",), ("alt_text",)))
    return str(_plain(value)) if value is not None else str(sa.inspect(item).identity or "")


def _object_id(obj: Any) -> str:
    state = sa.inspect(obj)
    # The key attributes, not state.identity: a row inserted by this flush has no identity key yet.
    return "/".join(str(part) for part in state.mapper.primary_key_from_instance(obj))


# --- what changed ------------------------------------------------------------------------------------

def _column_changes(obj: Any, policy: Policy, mode: str) -> dict[str, dict[str, Any]]:
    state = sa.inspect(obj)
    changes: dict[str, dict[str, Any]] = {}
    for key, _column in policy.columns:
        if key in policy.quiet or key == "id":
            continue
        history = state.attrs[key].history
        if mode == "edit":
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before == after:
                continue
            change: dict[str, Any] = {"before": _plain(before), "after": _plain(after)}
        else:
            value = state.dict.get(key)
            if value in (None, "", {}, []):
                continue
            change = {"after" if mode == "create" else "before": _plain(value)}
        if key in policy.sensitive:
            change = {"redacted": True}
        changes[key] = change
    return changes


def _collection_changes(obj: Any, policy: Policy) -> dict[str, dict[str, Any]]:
    state = sa.inspect(obj)
    changes: dict[str, dict[str, Any]] = {}
    for key in policy.collections:
        history = state.attrs[key].history
        if not (history.added or history.deleted):
            continue
        # A single one (an event's picture) set to nothing has None in its history.
        unchanged = [_collection_label(item) for item in history.unchanged or () if item is not None]
        before = sorted(unchanged + [_collection_label(item) for item in history.deleted or () if item is not None])
        after = sorted(unchanged + [_collection_label(item) for item in history.added or () if item is not None])
        if before != after:
            changes[key] = {"before": before, "after": after}
    return changes


def _action(table: str, mode: str, changes: dict[str, dict[str, Any]]) -> str:
    if mode == "create":
        return CREATE_ACTIONS.get(table, "create")
    if mode == "delete":
        return DELETE_ACTIONS.get(table, "delete")
    for rule in ACTION_RULES:
        if rule.matches(table, changes):
            return rule.action
    if table in EDIT_ACTIONS:
        return EDIT_ACTIONS[table]
    status = changes.get("status", {}).get("after")
    if isinstance(status, str) and status in STATUS_ACTIONS:
        return STATUS_ACTIONS[status]
    return "edit"


def _entry(obj: Any, mode: str) -> dict[str, Any] | None:
    """What changed in this flush (label and organisation are added when the entry is written)."""
    policy = _policy(type(obj))
    if policy is None:
        return None
    if mode != "edit" and policy.table in UNLOGGED_CREATE_DELETE:
        return None
    changes = _column_changes(obj, policy, mode)
    if mode == "edit":
        changes.update(_collection_changes(obj, policy))
        if not changes:
            return None
    elif mode == "create":
        changes.update({key: {"after": change["after"]}
                        for key, change in _collection_changes(obj, policy).items() if change["after"]})
    return {"mode": mode, "table": policy.table, "object_id": _object_id(obj), "obj": obj, "changes": changes}


def _merge(earlier: dict[str, Any], later: dict[str, Any]) -> None:
    """Fold a later flush's change of the same object into the transaction's entry: first before, last after."""
    changes = earlier["changes"]
    for key, change in later["changes"].items():
        if key not in changes or "redacted" in change or "redacted" in changes[key]:
            changes[key] = dict(change)
            continue
        merged = {**change, **({"before": changes[key]["before"]} if "before" in changes[key] else {})}
        if earlier["mode"] == "create":
            merged.pop("before", None)
        changes[key] = merged
    for key in [key for key, change in changes.items() if "before" in change and "after" in change
                and change["before"] == change["after"]]:
        del changes[key]
    earlier["obj"] = later["obj"]


# --- the listener: collect per flush, write once per transaction -------------------------------------

PENDING = "ink.audit.pending"  # session.info key: {(table, id, mode group): entry} of this transaction
PENDING_DELETES = "ink.audit.pending_deletes"  # entries of rows the running flush deletes


def _enabled() -> bool:
    return has_app_context() and bool(current_app.extensions.get("ink.audit"))


def _collect(session: Session, entry: dict[str, Any], actor: tuple[int | None, str]) -> None:
    pending: dict[tuple[Any, ...], dict[str, Any]] = session.info.setdefault(PENDING, {})
    entry["actor"] = actor  # who acted when the change was flushed (acting_as may end before the commit)
    group = "delete" if entry["mode"] == "delete" else "save"  # a create and later edits are one entry
    key = (entry["table"], entry["object_id"], group, actor[0])
    if key in pending:
        _merge(pending[key], entry)
    else:
        pending[key] = entry


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """Deleted rows are described before the flush, while their relationships still load."""
    session.info.pop(PENDING_DELETES, None)
    if not session.deleted or not _enabled():
        return
    deletes = []
    for obj in session.deleted:
        entry = _entry(obj, "delete")
        if entry is not None:
            entry["label"], entry["organisation_id"] = _label(obj, entry["table"]), _organisation_id(obj, entry["table"])
            deletes.append(entry)
    session.info[PENDING_DELETES] = deletes


def _after_flush(session: Session, flush_context: Any) -> None:
    """Collect what this flush changed; new rows have their ids now and history is still there."""
    deletes: list[dict[str, Any]] = session.info.pop(PENDING_DELETES, None) or []
    if not (session.new or session.dirty or deletes) or not _enabled():
        return
    actor = current_actor()
    for obj in session.new:
        if (entry := _entry(obj, "create")) is not None:
            _collect(session, entry, actor)
    for obj in session.dirty:
        if (entry := _entry(obj, "edit")) is not None:
            _collect(session, entry, actor)
    for entry in deletes:
        _collect(session, entry, actor)


def _before_commit(session: Session) -> None:
    """Write the transaction's entries, one per object and kind of change, inside the same transaction."""
    if not _enabled():
        return
    if session.new or session.dirty or session.deleted:
        session.flush()
    pending: dict[Any, dict[str, Any]] = session.info.pop(PENDING, None) or {}
    rows = []
    for entry in pending.values():
        if entry["mode"] == "edit" and not entry["changes"]:
            continue
        obj, table = entry["obj"], entry["table"]
        rows.append({
            "action": _action(table, entry["mode"], entry["changes"]),
            "object_kind": table,
            "object_id": entry["object_id"],
            "object_label": entry["label"] if "label" in entry else _label(obj, table),
            "organisation_id": entry["organisation_id"] if "label" in entry else _organisation_id(obj, table),
            "changes": entry["changes"],
            "actor_id": entry["actor"][0],
            "actor_name": entry["actor"][1][:254],
        })
    if not rows:
        return
    moment = now()
    session.connection().execute(sa.insert(AuditEntry.__table__), [{**row, "created_at": moment} for row in rows])


def _forget(session: Session, transaction: Any) -> None:
    """The outermost transaction ended (after a commit nothing is left; after a rollback, nothing is kept)."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)
        session.info.pop(PENDING_DELETES, None)


LISTENERS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("before_flush", _before_flush), ("after_flush", _after_flush), ("before_commit", _before_commit),
    ("after_transaction_end", _forget),
)


def install(app: Any) -> None:
    """Record this app's changes (the listener is attached to the Session class once per process)."""
    app.extensions["ink.audit"] = True
    for name, listener in LISTENERS:
        if not sa.event.contains(Session, name, listener):
            sa.event.listen(Session, name, listener)
