"""Sweep machinery: URLs with real values for every url rule, the POST forms of a page, and hostile variants.

Driven by the app's url map and the HTML it serves, so a new route or form is swept without editing this
module. A rule whose argument has no known value fails loudly (``UnknownArgument``).
"""
from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import AnyConverter, Rule

from ink.auth.models import User, UserSession
from ink.auth.service import load_user_from_session
from ink.extensions import db, now
from tests.conftest import PASSWORD

# /readyz answers 503 by design when the schema is not migrated, as in tests (tests/core/test_readyz.py).
SKIP_ENDPOINTS = {"static", "readyz"}
CSRF_FIELD = "csrf_token"
HOSTILE_VALUES = [
    "a\x00b",
    "x" * 10_000,
    "99999999999999999999",
    "-1",
    "2026-02-30",
    "2026-13-45",
    "<script>alert(1)</script>",
    "\u202eمرحبا",
    "🎉👩🏽‍🏫",
]
# Valid-looking values for empty inputs, by input type.
FILLERS = {
    "email": "sweep@example.org", "url": "https://example.org/sweep", "number": "3", "date": "2026-07-01",
    "time": "18:00", "datetime-local": "2026-07-01T18:00", "tel": "+47 22 00 00 00", "password": PASSWORD,
}
TEXT_FILLER = "Sweep value"
MAX_URLS_PER_RULE = 12


class UnknownArgument(LookupError):
    pass


def argument_values(rule: Rule, values: dict[str, list[str]]) -> dict[str, list[str]]:
    """The candidate values of each of a rule's arguments; UnknownArgument if one has none."""
    found = {}
    for name in sorted(rule.arguments):
        converter = rule._converters[name]  # noqa: SLF001
        if isinstance(converter, AnyConverter):
            found[name] = sorted(converter.items)
        elif values.get(name):
            found[name] = values[name]
        else:
            raise UnknownArgument(
                f"The sweep knows no value for <{name}> of {rule.rule} ({rule.endpoint}): add one to "
                "tests/network.py so this route is swept."
            )
    return found


def fill_rule(rule: Rule, arguments: dict[str, str]) -> str:
    path = rule.rule
    for name, value in arguments.items():
        path = re.sub(rf"<(?:[^<>:]+(?:\([^)]*\))?:)?{name}>", quote(value, safe=""), path)
    return path


def real_urls(rule: Rule, values: dict[str, list[str]]) -> list[str]:
    """URLs of a rule filled with real values of the network (a bounded product of the candidates)."""
    candidates = argument_values(rule, values)
    names = list(candidates)
    combos = itertools.islice(itertools.product(*(candidates[n] for n in names)), MAX_URLS_PER_RULE)
    return [fill_rule(rule, dict(zip(names, combo))) for combo in combos]


def swept_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIP_ENDPOINTS]


# --- forms -------------------------------------------------------------------------------------------

@dataclass
class Field:
    name: str
    tag: str
    type: str = "text"
    value: str = ""
    checked: bool = False
    required: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected) for a select


@dataclass
class Form:
    action: str
    fields: list[Field] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Each field name once, in document order."""
        return list(dict.fromkeys(f.name for f in self.fields))

    @property
    def signature(self) -> tuple[str, tuple[str, ...]]:
        return self.action, tuple(sorted(self.names))

    def defaults(self) -> list[tuple[str, str]]:
        """What a browser would send, with empty inputs filled with valid-looking values."""
        pairs: list[tuple[str, str]] = []
        radios_done: set[str] = set()
        for f in self.fields:
            if f.tag == "select":
                chosen = [v for v, selected in f.options if selected] or [v for v, _s in f.options if v][:1]
                pairs += [(f.name, v) for v in chosen]
            elif f.type == "radio":
                group = [g for g in self.fields if g.name == f.name and g.type == "radio"]
                if f.name not in radios_done and group:
                    radios_done.add(f.name)
                    pick = next((g for g in group if g.checked), group[0])
                    pairs.append((f.name, pick.value))
            elif f.type == "checkbox":
                if f.checked or f.required:
                    pairs.append((f.name, f.value or "y"))
            elif f.type in ("submit", "button", "image", "reset", "file"):
                continue
            elif f.type == "hidden" or f.value:
                pairs.append((f.name, f.value))
            else:
                pairs.append((f.name, FILLERS.get(f.type, TEXT_FILLER)))
        return pairs

    def with_value(self, name: str, value: str) -> list[tuple[str, str]]:
        """The defaults with every value of one field replaced by ``value``."""
        pairs = [(n, v) for n, v in self.defaults() if n != name]
        return pairs + [(name, value)]


class FormParser(HTMLParser):
    """Every <form method="post"> of a page with its named fields."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = Form(action=a.get("action") or self.page_url)
                self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag in ("input", "button") and a.get("name"):
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            self._form.fields.append(Field(a["name"], tag, kind, a.get("value", ""), "checked" in a, "required" in a))
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select", "select", required="required" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea", "textarea", required="required" in a)
            self._form.fields.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def post_forms(html: str, page_url: str) -> list[Form]:
    parser = FormParser(page_url)
    parser.feed(html)
    for form in parser.forms:
        form.action = urlsplit(form.action)._replace(scheme="", netloc="").geturl() or page_url
    return parser.forms


# Verbs of actions that take something away, from the least to the most far-reaching: forms whose action
# path holds one are posted after all others, so they do not remove what other forms act on.
REMOVING_VERBS = ("unsubscribe", "revoke", "remove", "delete", "cancel", "archive", "unsubscribe-all", "erase",
                  "disconnect")


def posting_order(form: Form) -> tuple[int, int, int]:
    """Sort key: other forms first; then removing ones, deeper paths (the children) before their parents."""
    segments = urlsplit(form.action).path.strip("/").split("/")
    removing = max((REMOVING_VERBS.index(s) for s in segments if s in REMOVING_VERBS), default=-1)
    return removing, -len(segments), -len(form.names)


def hostile_variants(form: Form) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """One field at a time replaced by each hostile value, the others kept valid (see test_route_sweep)."""
    for name in form.names:
        if name == CSRF_FIELD:
            continue
        for value in HOSTILE_VALUES:
            yield name, form.with_value(name, value)


# --- signing in with CSRF on ---------------------------------------------------------------------

def csrf_token_of(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: FlaskClient, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": email, "password": PASSWORD, CSRF_FIELD: csrf_token_of(page)})
    assert response.status_code == 302, f"could not sign in as {email}: {response.status_code}"


@dataclass
class SessionKeeper:
    """Restores the signed-in session (and with it the CSRF secret) after a form signed the user out."""

    client: FlaskClient
    snapshot: dict[str, object] = field(default_factory=dict)

    def save(self) -> None:
        with self.client.session_transaction() as session:
            self.snapshot = self._lasting(session)

    def restore(self) -> None:
        with self.client.session_transaction() as session:
            if self._lasting(session) != self.snapshot:
                session.clear()
                session.update(self.snapshot)
        self._revive_sign_in()

    def _revive_sign_in(self) -> None:
        """Sign-ins live on the server (ink.auth.service): a form that signed out (logout, sign out
        everywhere) deleted the snapshot's record, so the restored cookie needs it back."""
        user_key = str(self.snapshot.get("_user_id") or "")
        if not user_key or load_user_from_session(user_key) is not None:
            return
        user_id, _, key = user_key.partition(":")
        user = db.session.get(User, int(user_id))
        if user is not None and user.is_active_account:
            db.session.add(UserSession(user_id=user.id, key_hash=hashlib.sha256(key.encode()).hexdigest(),
                                       created_at=now()))
            db.session.commit()

    @staticmethod
    def _lasting(session: object) -> dict[str, object]:
        return {k: v for k, v in dict(session).items() if k != "_flashes"}  # type: ignore[call-overload]
