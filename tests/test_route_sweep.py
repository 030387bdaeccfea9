"""No route answers bad input with a 5xx.

Two sweeps, both driven by the url map (a new route is swept without editing this file):

* malformed ids and bodies: every rule with malformed argument values, bad bodies and bad query strings;
* real ids: every rule filled with the real ids, slugs and tokens of a small network (tests/network.py),
  signed in as a coordinator, as an editor of one organisation, and anonymous, with CSRF protection on.
  Every GET page is fetched and each of its POST forms is posted back with its CSRF token, first with
  valid-looking values, then with one field at a time replaced by each hostile value (tests/sweep.py).

One field at a time (rather than all fields hostile at once per value) because a form stops at its first
invalid field only after validating all of them, and the service runs only if all are valid: with every
field hostile the service would never see a hostile value that a field's validator lets through (a long
text, markup, RTL, emoji). With the others valid, each such value reaches the service and the database.
The sweep proves it reaches the views: every rule with arguments must answer something other than 404 to
the coordinator with real ids.
"""
from __future__ import annotations

import itertools
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask.testing import FlaskClient
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map, MapAdapter, PathConverter, Rule

from tests.network import COORDINATOR, EDITOR, build_sweep_network
from tests.sweep import (CSRF_FIELD, HOSTILE_VALUES, Form, SessionKeeper, hostile_variants, post_forms,
                         UnknownArgument, posting_order, real_urls, sign_in, swept_rules)

BAD_VALUES = {
    "int": ["0", "999999999", "2147483648", "99999999999999999999"],
    "default": ["nope", "..%2F..", "%00", "x" * 300, "ø", "1;DROP TABLE", "<script>"],
    "path": ["a/b/../c", "%00"],
}
BAD_BODIES = [
    {},
    {"title": "x" * 10000, "start_date": "2026-13-45", "start_time": "25:61", "end_time": "-1",
     "interval": "abc", "count": "-5", "until": "yesterday", "weekdays": ["9", "x"], "organisation_id": "999999",
     "venue_id": "abc", "topic_ids": ["999999"], "capacity": "-1", "latitude": "200", "longitude": "x",
     "delta": "lots", "total": "NaN", "email": "not an email", "lang": "xx", "next": "//evil.example",
     "start": "2026-99-01", "end": "x"},
    {"title": "nul\x00", "name": "nul\x00", "email": "a\x00@example.org", "description": "\x00", "slug": "\x00",
     "reason": "\x00", "note": "\x00", "address": "\x00", "locale": "\x00", "total": "1\x00", "q": "\x00"},
]
BAD_QUERY = "?start=2026-02-30&end=x&days=-4&page=-1&organisation=%00&year=abc"
# JSON bodies for endpoints that read JSON (the door counter's taps): hostile values of every JSON type.
HOSTILE_JSON = [
    {"delta": 1, "category": 99999999999999999999, "tap_id": "sweep-json-1"},
    {"delta": 1, "category": -1, "tap_id": "sweep-json-2"},
    {"delta": 99999999999999999999, "category": None, "tap_id": "a\x00b"},
    {"delta": -1, "category": None, "tap_id": "x" * 10_000},
    {"delta": "1", "category": "<script>", "tap_id": "🎉👩🏽‍🏫"},
    [1, 2, 3],
]
# The same form on many objects (the cancel button of every occurrence, the edit form of every series) is
# posted with valid values for a few of them. Hostile values go to one form of each set of field names:
# the same form class behind "new" and "edit" is swept hostile on "edit" (the update path) for the
# coordinator and on "new" (the create path) for the editor, which keeps the runtime reasonable.
FORMS_PER_KIND = 3
REACHED = lambda status: status != 404 and status < 500  # noqa: E731


def _malformed_urls(rule: Rule) -> list[str]:
    """A few concrete URLs for a rule, each argument filled with a malformed value."""
    names = sorted(rule.arguments)
    choices = []
    for name in names:
        converter = rule._converters[name]  # noqa: SLF001
        kind = ("int" if isinstance(converter, IntegerConverter)
                else "path" if isinstance(converter, PathConverter) else "default")
        choices.append(BAD_VALUES[kind])
    urls = []
    for combo in itertools.islice(itertools.product(*choices), 6):
        path = rule.rule
        for name, value in zip(names, combo):
            path = re.sub(rf"<(?:[^<>:]+(?:\([^)]*\))?:)?{name}>", value, path)
        urls.append(path)
    return urls


def _malformed_sweep(app: Flask, client: FlaskClient) -> list[str]:
    failures = []
    for rule in swept_rules(app):
        for url in _malformed_urls(rule):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                bodies = BAD_BODIES if method != "GET" else [{}]
                for body in bodies:
                    for query in ("", BAD_QUERY):
                        response = client.open(url + query, method=method, data=body)
                        if response.status_code >= 500:
                            failures.append(f"{method} {url}{query} -> {response.status_code}")
                    json_response = client.open(url, method=method, data="{not json", content_type="application/json")
                    if json_response.status_code >= 500:
                        failures.append(f"{method} {url} (bad JSON) -> {json_response.status_code}")
    return failures


def test_malformed_sweep_fills_id_routes_with_numbers(app: Flask) -> None:
    """The app's own id converter is an IntegerConverter: its routes get numbers, not words that 404."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "events.series_edit")
    assert _malformed_urls(rule)[0] == "/manage/series/0/edit"


@pytest.mark.slow
@pytest.mark.parametrize("who", ["anonymous", "editor", "coordinator"])
def test_no_route_returns_500_on_malformed_input(app: Flask, client, factory, auth, who: str) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Sweep Org", slug="sweep-org")
    factory.series(organisation=organisation)
    if who == "editor":
        factory.user("editor@example.org", editor_of=[organisation])
        auth.login("editor@example.org")
    elif who == "coordinator":
        factory.coordinator()
        auth.login("coordinator@example.org")
    assert _malformed_sweep(app, client) == []


# --- the real-id sweep ------------------------------------------------------------------------------

@dataclass
class Sweep:
    client: FlaskClient
    keeper: SessionKeeper
    adapter: MapAdapter
    failures: list[str] = field(default_factory=list)
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    forms: dict[tuple[str, tuple[str, ...]], Form] = field(default_factory=dict)
    kinds: Counter[tuple[str, tuple[str, ...]]] = field(default_factory=Counter)
    posts: int = 0

    def request(self, rule: Rule | None, method: str, url: str, what: str = "", **kwargs: object) -> int:
        rule = rule or self.rule_of(url, method)
        try:
            response = self.client.open(url, method=method, **kwargs)
        except Exception as error:  # noqa: BLE001  (a view raised: the app would answer 500)
            self.failures.append(f"{method} {url} {what}-> {type(error).__name__}: {str(error)[:200]}")
            return 500
        if response.status_code >= 500:
            self.failures.append(f"{method} {url} {what}-> {response.status_code}")
        if rule is not None:
            self.statuses[rule.endpoint][response.status_code] += 1
        if method == "GET" and response.status_code == 200 and response.mimetype == "text/html":
            for form in post_forms(response.get_data(as_text=True), url):
                self.collect(form)
        return response.status_code

    def collect(self, form: Form) -> None:
        """Keep a form unless FORMS_PER_KIND like it (same view, same fields) are kept already."""
        rule = self.rule_of(form.action, "POST")
        kind = (rule.endpoint if rule else form.action, tuple(sorted(form.names)))
        if form.signature not in self.forms and self.kinds[kind] < FORMS_PER_KIND:
            self.kinds[kind] += 1
            self.forms[form.signature] = form

    def rule_of(self, url: str, method: str) -> Rule | None:
        try:
            return self.adapter.match(urlsplit(url).path, method=method, return_rule=True)[0]
        except HTTPException:
            return None

    def post_form(self, form: Form, hostile: bool) -> None:
        self.request(None, "POST", form.action, "(defaults) ", data=_multidict(form.defaults()))
        for name, pairs in hostile_variants(form) if hostile else ():
            value = dict(pairs)[name]
            self.request(None, "POST", form.action, f"({name}={value[:20]!r}) ", data=_multidict(pairs))
            self.posts += 1
        self.keeper.restore()  # a form may have signed us out (logout) or changed the session

    def csrf_token(self) -> str:
        for form in self.forms.values():
            for f in form.fields:
                if f.name == CSRF_FIELD:
                    return f.value
        raise AssertionError("no page carried a CSRF token")


def _multidict(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = defaultdict(list)
    for name, value in pairs:
        data[name].append(value)
    return dict(data)


def _hostile_forms(forms: list[Form], *, deepest: bool) -> set[tuple[str, tuple[str, ...]]]:
    """One form per set of field names: the one with the deepest action path, or the shallowest."""
    chosen: dict[tuple[str, ...], Form] = {}
    for form in forms:
        names = tuple(sorted(form.names))
        depth = form.action.count("/")
        best = chosen.get(names)
        if best is None or (depth > best.action.count("/") if deepest else depth < best.action.count("/")):
            chosen[names] = form
    return {form.signature for form in chosen.values()}


def _run_real_sweep(app: Flask, client: FlaskClient, network, *, deepest_hostile: bool = True) -> Sweep:  # type: ignore[no-untyped-def]
    keeper = SessionKeeper(client)
    sweep = Sweep(client, keeper, app.url_map.bind("localhost"))
    rules = [(rule, real_urls(rule, network.values)) for rule in swept_rules(app)]
    # 1. every GET page with real ids, collecting its forms
    for rule, urls in rules:
        if "GET" in (rule.methods or set()):
            for url in urls:
                sweep.request(rule, "GET", url)
    keeper.save()  # signed in (or not), with the CSRF secret the collected forms were signed with
    # 2. every form found, valid then hostile; those that remove something (archive, erase, revoke...) last
    hostile = _hostile_forms(list(sweep.forms.values()), deepest=deepest_hostile)
    for form in sorted(sweep.forms.values(), key=posting_order):
        sweep.post_form(form, hostile=form.signature in hostile)
    # 3. every non-GET rule with real ids, with only the CSRF token, then hostile JSON (routes without a form)
    token = sweep.csrf_token()
    for rule, urls in rules:
        for method in sorted((rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}):
            for url in urls:
                sweep.request(rule, method, url, data={CSRF_FIELD: token})
                for body in HOSTILE_JSON:
                    sweep.request(rule, method, url, f"(JSON {json.dumps(body)[:40]}) ",
                                  data=json.dumps(body), content_type="application/json",
                                  headers={"X-CSRFToken": token})
            keeper.restore()
    return sweep


@pytest.fixture
def csrf_enabled() -> bool:
    return False


@pytest.fixture
def app_config(csrf_enabled: bool, tmp_path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"WTF_CSRF_ENABLED": csrf_enabled, "MAIL_BACKEND": "file", "MAIL_DIRECTORY": str(tmp_path / "mail"),
            "PICTURES_DIR": str(tmp_path / "pictures")}


@pytest.mark.slow
@pytest.mark.parametrize("csrf_enabled", [True])
@pytest.mark.parametrize("who", ["coordinator", "editor", "anonymous"])
def test_every_view_with_real_ids_and_hostile_forms(app: Flask, client, factory, clock, who: str) -> None:  # type: ignore[no-untyped-def]
    network = build_sweep_network(factory, clock)
    if who != "anonymous":
        sign_in(client, {"coordinator": COORDINATOR, "editor": EDITOR}[who])
    sweep = _run_real_sweep(app, client, network, deepest_hostile=who != "editor")
    assert sweep.failures == [], "\n".join(sweep.failures[:40])
    assert sweep.forms and sweep.posts >= len(HOSTILE_VALUES)
    if who == "coordinator":
        id_rules = {rule.endpoint for rule in swept_rules(app) if rule.arguments}
        unreached = sorted(e for e in id_rules if not any(REACHED(s) for s in sweep.statuses[e]))
        assert unreached == [], f"real ids never reached these views: {unreached}"


def test_a_route_whose_argument_has_no_known_value_fails_the_sweep(app: Flask) -> None:
    """A new route cannot silently escape the real-id sweep."""
    rule = Rule("/manage/widgets/<int:widget_id>", endpoint="widgets.edit")
    Map([rule], converters=app.url_map.converters)
    with pytest.raises(UnknownArgument, match="widget_id"):
        real_urls(rule, {"series_id": ["1"]})
    every_argument = {name for rule in swept_rules(app) for name in rule.arguments}
    assert every_argument, "the app has routes with arguments"
