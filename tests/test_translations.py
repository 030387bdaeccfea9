"""The interface is complete in every configured language, and the compiled catalogues are current."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po


ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "ink" / "translations"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None}
METHOD_MAP = [("ink/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# Every catalogue present, so a new language is checked as soon as its folder exists.
OTHER_LANGUAGES = sorted(
    folder.name for folder in TRANSLATIONS.iterdir() if (folder / "LC_MESSAGES" / "messages.po").is_file()
)


def _source_messages() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHOD_MAP, keywords=KEYWORDS,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n,jinja2.ext.do"}},
    ):
        found.add(message if isinstance(message, str) else tuple(m for m in message if m))
    return found


@pytest.fixture(scope="module")
def source_messages() -> set[str | tuple[str, ...]]:
    return _source_messages()


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_message_is_translated(language: str, source_messages) -> None:  # type: ignore[no-untyped-def]
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=language)
    missing, fuzzy, bad_placeholders = [], [], []
    for message in source_messages:
        msgid = message if isinstance(message, str) else message[0]
        entry = catalog.get(msgid)
        if entry is None or not (entry.string if isinstance(entry.string, str) else all(entry.string)):
            missing.append(msgid)
            continue
        if entry.fuzzy:
            fuzzy.append(msgid)
        translations = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        if any(set(PLACEHOLDER.findall(t)) != set(PLACEHOLDER.findall(msgid)) for t in translations):
            bad_placeholders.append(msgid)
    assert missing == [], f"{len(missing)} messages lack a {language} translation (run `make translations`)"
    assert fuzzy == []
    assert bad_placeholders == []


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language: str) -> None:
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as handle:
        po = read_po(handle, locale=language)
    with open(folder / "messages.mo", "rb") as handle:
        mo = read_mo(handle)
    def entries(catalog):  # type: ignore[no-untyped-def]
        return {
            (m.id if isinstance(m.id, str) else tuple(m.id)): (m.string if isinstance(m.string, str) else tuple(m.string))
            for m in catalog if m.id and m.string and not m.fuzzy
        }

    expected, compiled = entries(po), entries(mo)
    assert compiled == expected, "messages.mo is stale: run `make translations`"


def test_languages_come_from_the_catalogues(app) -> None:  # type: ignore[no-untyped-def]
    from ink.i18n import catalogue_languages

    assert catalogue_languages() == ("en", *sorted(OTHER_LANGUAGES))
    assert tuple(app.config["LANGUAGES"]) == ("en", "nb")


def test_topics_are_shown_in_the_visitors_language(client, factory) -> None:  # type: ignore[no-untyped-def]
    topics = factory.topics()
    multilingual = next(t for t in topics if t.name == "Multilingualism")
    factory.organisation("Polish Association", topics=[multilingual])
    page = client.get("/organisations/", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert "Flerspråklighet" in page
