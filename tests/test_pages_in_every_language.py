"""Every page in every catalogue language shows no English sentence from our own catalogue.

One run per catalogue folder of ink/translations (a new language is swept as soon as its catalogue
lands). Bokmål, the reference translation: every GET page of the url map, with the real ids of
tests/network.py, as a coordinator, as an editor and anonymous; then each POST form posted with its
visible fields empty, so the pages with field errors and the error summary render too. Every other
language, to keep the suite fast: every GET page, anonymous and as a coordinator, and the POST forms
with their fields empty as a coordinator. The language cookie is set to the language. The visible text
of each HTML answer (text nodes, plus placeholder, title, aria-label and alt) is searched for every
English msgid of that language's catalogue whose msgstr differs (or is empty), and for the stored values
of our models' enums shown as whole text nodes ("pending", "head_count"), which are English that never
reached the catalogue.

Threshold: msgids of one or two words ("Email", "Venue", "Search") are checked only as a whole text node,
and not at all when they are words or names of that language too (SAME_WORDS); longer ones anywhere in
the text. A msgid with placeholders is looked for by its literal parts of three words or more.

Time (2 cores): the Bokmål sweep takes about as long as before (the network is built per run of a
language and role, in the test's rolled-back transaction); each further language adds two roles' sweeps.
"""
from __future__ import annotations

import enum
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter

from ink.attendance import models as attendance_models
from ink.auth import models as auth_models
from ink.events import models as event_models
from ink.i18n import LANGUAGE_COOKIE
from ink.organisations import models as organisation_models
from ink.reminders import models as reminder_models
from tests.network import COORDINATOR, EDITOR, build_sweep_network
from tests.sweep import CSRF_FIELD, Form, post_forms, real_urls, sign_in, swept_rules

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "ink" / "translations"
CATALOGUE_LANGUAGES = sorted(folder.name for folder in TRANSLATIONS.iterdir()
                             if (folder / "LC_MESSAGES" / "messages.po").is_file())
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
TAG = re.compile(r"<[^>]+>")
# Short msgids that are also words or proper names of the language: seen in its pages, they are not
# English. ("Events" is part of the name INK Events, in every language; "For" is Norwegian too.)
NAMES = {"Events", "INK Events"}
SAME_WORDS: dict[str, set[str]] = {
    "nb": NAMES | {"For"},
    "pl": NAMES | {"Status", "Start"},
    "lt": NAMES,
    "es": NAMES | {"Total", "No"},
    "uk": NAMES,
    "ar": NAMES,
}
COUNT_SUFFIX = re.compile(r"\s*\(\d+\)$")  # "pending (2)"
MODEL_MODULES = (auth_models, organisation_models, event_models, attendance_models, reminder_models)
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
VISIBLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
# Pages whose language is chosen by ?lang= and never by the cookie (the widget in other sites' iframes):
# swept with the parameter.
LANGUAGE_BY_PARAMETER = {"feeds.embed"}

def _words(text: str) -> int:
    return len(text.split())


def _normalise(text: str) -> str:
    return " ".join(TAG.sub(" ", text).split())


def english_needles(language: str = "nb") -> tuple[set[str], set[str]]:
    """(whole-node needles, anywhere needles): the English texts that must not show in a page in ``language``."""
    same_words = SAME_WORDS.get(language, NAMES)
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=language)
    whole, anywhere = set(), set()
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
        for msgid in ids:
            text = _normalise(msgid)  # an untranslated msgid (empty msgstr) shows in English: looked for too
            if not text or any(_normalise(string) == text for string in strings):
                continue
            for part in (p.strip(" .,:;()") for p in PLACEHOLDER.split(text)):
                if _words(part) >= 3:
                    anywhere.add(part)
                elif part == text and part not in same_words and re.search(r"[A-Za-z]", part):
                    whole.add(part)
    return whole, anywhere


class VisibleText(HTMLParser):
    """The text a reader sees, in the interface's language: text nodes outside script and style and
    outside elements marked translate="no" (stored content, such as an email in its recipient's
    language), and a few attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skipping: str | None = None  # the tag of the skipped element we are inside
        self._depth = 0  # how deep in elements of that tag

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping:
            self._depth += tag == self._skipping
            return
        if tag in ("script", "style", "template") or dict(attrs).get("translate") == "no":
            if tag not in VOID_ELEMENTS:
                self._skipping, self._depth = tag, 1
            return
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.nodes.append(" ".join(value.split()))

    def handle_endtag(self, tag: str) -> None:
        if self._skipping == tag:
            self._depth -= 1
            if self._depth == 0:
                self._skipping = None

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skipping:
            self.nodes.append(text)


def raw_values() -> set[str]:
    """The stored values of our models' enums ("pending", "head_count"): English shown as such is
    missing its label in the catalogue."""
    values = set()
    for module in MODEL_MODULES:
        for thing in vars(module).values():
            if isinstance(thing, type) and issubclass(thing, enum.StrEnum) and thing.__module__ == module.__name__:
                values |= {member.value for member in thing if re.fullmatch(r"[a-z][a-z_]{2,}", member.value)}
    return values


def english_in(html: str, needles: tuple[set[str], set[str]]) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    whole, anywhere = needles
    nodes = {COUNT_SUFFIX.sub("", node).strip(" .,:;()") for node in parser.nodes}
    text = " ".join(parser.nodes)
    found = {n for n in whole if n in nodes} | {n for n in anywhere if n in text}
    return sorted(found | {f"raw value {v!r}" for v in RAW_VALUES & nodes})


RAW_VALUES = raw_values()


def _failing_form(form: Form) -> list[tuple[str, str]] | None:
    """The form with its visible fields empty (so they fail "required"), or None for a button-only form."""
    hidden = [(f.name, f.value) for f in form.fields if f.type == "hidden"]
    visible = [f for f in form.fields if f.type not in ("hidden", "submit", "button", "checkbox", "radio")]
    if not visible:
        return None
    return hidden + [(f.name, "") for f in visible]


def _endpoint(adapter: MapAdapter, url: str) -> str:
    try:
        return str(adapter.match(urlsplit(url).path, method="POST")[0])
    except HTTPException:
        return url


@pytest.fixture
def app_config(tmp_path) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"WTF_CSRF_ENABLED": True, "MAIL_BACKEND": "file", "MAIL_DIRECTORY": str(tmp_path / "mail"),
            "PICTURES_DIR": str(tmp_path / "pictures")}


def _sweeps() -> list[tuple[str, str]]:
    """(language, role): every role for Bokmål, anonymous and a coordinator for the others."""
    return [(language, who) for language in CATALOGUE_LANGUAGES
            for who in (("coordinator", "editor", "anonymous") if language == "nb" else ("coordinator", "anonymous"))]


@pytest.mark.slow
@pytest.mark.parametrize("language, who", _sweeps())
def test_no_english_on_any_page(app: Flask, client, factory, clock, language: str, who: str) -> None:  # type: ignore[no-untyped-def]
    network = build_sweep_network(factory, clock)
    needles = english_needles(language)
    client.set_cookie(LANGUAGE_COOKIE, language)
    if who != "anonymous":
        sign_in(client, {"coordinator": COORDINATOR, "editor": EDITOR}[who])
    adapter = app.url_map.bind("localhost")
    found: dict[str, list[str]] = {}
    forms: dict[tuple[str, tuple[str, ...]], Form] = {}
    checked = 0

    def check(label: str, endpoint: str, response) -> None:  # type: ignore[no-untyped-def]
        nonlocal checked
        if response.mimetype != "text/html":
            return
        checked += 1
        english = english_in(response.get_data(as_text=True), needles)
        if english:
            found[label] = english

    for rule in swept_rules(app):
        if "GET" not in (rule.methods or set()):
            continue
        for url in real_urls(rule, network.values):
            if rule.endpoint in LANGUAGE_BY_PARAMETER:
                url += f"?lang={language}"
            response = client.get(url)
            check(f"GET {url}", rule.endpoint, response)
            if response.status_code == 200 and response.mimetype == "text/html":
                for form in post_forms(response.get_data(as_text=True), url):
                    forms.setdefault((_endpoint(adapter, form.action), tuple(sorted(form.names))), form)
    for (endpoint, _names), form in forms.items():
        if language != "nb" and who == "anonymous":
            break
        data = _failing_form(form)
        if data is not None and any(name == CSRF_FIELD for name, _v in data):
            check(f"POST {form.action} (fields empty)", endpoint, client.post(form.action, data=dict(data)))

    assert checked > 20
    report = "\n".join(f"{page}: {english}" for page, english in sorted(found.items()))
    assert found == {}, f"English on pages in {language}:\n{report}"


def test_the_checker_finds_an_english_sentence_and_ignores_norwegian_words() -> None:
    needles = english_needles()
    assert english_in("<p>Please correct the fields marked below.</p>", needles) == [
        "Please correct the fields marked below"]
    assert english_in("<p>Vennligst rett opp feltene som er merket nedenfor.</p><p>Status</p>", needles) == []
    assert english_in("<script>var s = 'Please correct the fields marked below.';</script>", needles) == []
    stored = '<pre translate="no"><b>Please correct the fields marked below.</b></pre><p>Status</p>'
    assert english_in(stored, needles) == []
    assert english_in("<td>pending</td><a>sent (5)</a>", needles) == ["raw value 'pending'", "raw value 'sent'"]


def test_topics_are_in_bokmal_on_the_series_page_and_the_subscriptions_page(client, factory, clock) -> None:  # type: ignore[no-untyped-def]
    network = build_sweep_network(factory, clock)
    sign_in(client, COORDINATOR)
    client.set_cookie(LANGUAGE_COOKIE, "nb")
    manage_link = next(t for t in network.values["token"] if client.get(f"/subscriptions/manage/{t}").status_code == 200)
    for url in (f"/manage/series/{network.series.id}", f"/subscriptions/manage/{manage_link}"):
        page = client.get(url).get_data(as_text=True)
        assert "Antidiskriminering og likestilling" in page, url
        assert "Anti-discrimination and Equality" not in page, url
