"""The interface is complete in every configured language, and the compiled catalogues are current."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po


ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "ink" / "translations"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None, "NP_": (1, 2)}
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
    assert tuple(app.config["LANGUAGES"]) == catalogue_languages()


# --- counts are plural entries -------------------------------------------------------------------
# A placeholder with one of these names holds a number of something; the words around it change with
# the number in most languages (Polish "1 wydarzenie / 2 wydarzenia / 5 wydarzeń"), so the message
# must be an ngettext entry.
COUNT_PLACEHOLDER = re.compile(
    r"%\((count|n|num|number|total|sum|min|max|low|high|age|limit|size|side|days|hours|minutes|seconds"
    r"|people|visitors|pages|planned|sent|skipped|retried|failed|avg|capacity)\)[sd]")
# Messages with a count-like placeholder that are not about a count of something, and why.
NOT_COUNTS = {
    'INK Events has not been able to read the calendar %(name)s of %(organisation)s %(count)s times in a row. Its events stay as they were until it can be read again.': "issue 13's sync messages: worded so the number needs no plural noun in the catalogues (a colon or a unit); to become plural entries",
    'The calendar is larger than %(limit)s bytes.': "issue 13's sync messages: worded so the number needs no plural noun in the catalogues (a colon or a unit); to become plural entries",
    'The server took too long (more than %(seconds)s seconds).': "issue 13's sync messages: worded so the number needs no plural noun in the catalogues (a colon or a unit); to become plural entries",
    'Too many redirects (more than %(limit)s).': "issue 13's sync messages: worded so the number needs no plural noun in the catalogues (a colon or a unit); to become plural entries",
    "%(name)s cannot be more than the total of %(total)d.": "a bare number, no noun follows it",
    "%(total)d is more than the venue's capacity of %(capacity)d. Check the number, or tick the box to "
    "confirm it.": "bare numbers, no noun follows them",
    "Enter a number from 0 to %(max)s.": "a bare number",
    "Live door count: %(n)d": "a label and its number",
    "Messages that could not be delivered in the last 7 days: %(count)s": "a label and its number",
    "Occurrences of the last 30 days without an attendance count: %(count)s": "a label and its number",
    "On that run: %(planned)s, %(sent)s, %(skipped)s, %(retried)s, %(failed)s.":
        "the parts are themselves plural entries (\"%(num)d sent\")",
    "Page %(page)d of %(pages)d": "page numbers, a label",
    "Parameter age must be a whole number from 0 to %(max)s.": "a bare number",
    "Parameter limit must be a whole number from 1 to %(max)s.": "a bare number",
    "That is more than %(max)d; please check the number.": "a bare number",
    "The categories add up to %(sum)d, but the total is %(total)d.": "bare numbers",
    "The file is larger than %(limit)s MB.": "a unit symbol, which does not inflect",
    "The picture has too many pixels (at most %(limit)s megapixels).": "a decimal number (0.5) of a unit",
    "The interval must be between 1 and %(max)s.": "a bare number",
    "The number of days must be between 1 and %(max)d.": "a bare number",
    "The number of times must be between 1 and %(max)s.": "a bare number",
    "Too many values for %(name)s (at most %(count)s).": "a bare number",
    "age %(age)s": "a filter chip's label and its number",
    "capacity %(n)d": "a label and its number",
    "week %(number)d (%(monday)s–%(sunday)s)": "an ordinal label, not a count",
}


def count_messages_that_are_not_plural(catalog) -> list[str]:  # type: ignore[no-untyped-def]
    """The singular msgids with a count-like placeholder that are neither plural entries nor allowed."""
    return sorted(
        message.id for message in catalog
        if isinstance(message.id, str) and message.id and COUNT_PLACEHOLDER.search(message.id)
        and message.id not in NOT_COUNTS
    )


def test_every_count_is_a_plural_entry() -> None:
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        catalog = read_po(handle)
    assert count_messages_that_are_not_plural(catalog) == [], (
        "format a count with ngettext / {% trans count=… %}…{% pluralize %} (or allow-list it with a reason)")
    assert not set(NOT_COUNTS) - {m.id for m in catalog if isinstance(m.id, str)}, "an allow-listed msgid is gone"


def test_the_count_check_sees_a_count_in_plain_gettext() -> None:
    catalog = Catalog()
    catalog.add("%(count)s events this week")
    catalog.add(("%(num)d event", "%(num)d events"))
    catalog.add("Hello %(name)s")
    assert count_messages_that_are_not_plural(catalog) == ["%(count)s events this week"]


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_plural_entry_has_all_of_the_languages_forms(language: str) -> None:
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=language)
    nplurals = get_plural(language).num_plurals  # gettext's number of forms for the language (CLDR)
    incomplete = [
        message.id[0] for message in catalog
        if isinstance(message.id, (list, tuple)) and message.id[0]
        and (len(message.string) != nplurals or not all(message.string))
    ]
    assert catalog.num_plurals == nplurals, f"the {language} header's Plural-Forms should have {nplurals} forms"
    assert incomplete == [], f"{language} needs {nplurals} forms for each of {incomplete}"


def test_topics_are_shown_in_the_visitors_language(client, factory) -> None:  # type: ignore[no-untyped-def]
    topics = factory.topics()
    multilingual = next(t for t in topics if t.name == "Multilingualism")
    factory.organisation("Polish Association", topics=[multilingual])
    page = client.get("/organisations/", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert "Flerspråklighet" in page
