"""The event form's long checkbox lists carry the multi-select hook and its texts, translated; the
checkboxes themselves stay (they are the form's data, and all there is without JavaScript)."""
from __future__ import annotations

import re

import pytest


@pytest.fixture
def editor(factory, auth):  # type: ignore[no-untyped-def]
    org = factory.organisation("Library")
    factory.organisation("Partner")
    factory.topics()
    factory.user("editor@example.org", editor_of=[org])
    auth.login("editor@example.org")
    return org


def test_series_form_marks_the_long_lists(client, editor):  # type: ignore[no-untyped-def]
    html = client.get("/manage/series/new").get_data(as_text=True)
    for name in ("coorganisers", "topics", "languages"):
        fieldset = re.search(rf'<fieldset class="choice-group[^"]*" id="{name}"[^>]*>', html, re.S)
        assert fieldset is not None and "data-multi-select" in fieldset.group(0), name
        assert f'<legend id="{name}-legend">' in html
        assert re.search(rf'<input [^>]*name="{name}" type="checkbox"|<input [^>]*type="checkbox"[^>]*name="{name}"', html)
    assert 'data-text-match-other="{n} matches"' in html and 'data-text-remove="Remove {name}"' in html
    # Short lists stay plain checkboxes.
    weekdays = re.search(r'<fieldset class="choice-group[^"]*" id="weekdays"[^>]*>', html, re.S)
    assert weekdays is not None and "data-multi-select" not in weekdays.group(0)


def test_multi_select_texts_in_bokmal(client, editor):  # type: ignore[no-untyped-def]
    client.post("/language", data={"lang": "nb", "next": "/"})
    html = client.get("/manage/series/new").get_data(as_text=True)
    assert 'data-text-no-matches="Ingen treff"' in html and 'data-text-match-other="{n} treff"' in html
    assert 'data-text-remove="Fjern {name}"' in html
