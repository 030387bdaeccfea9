"""The subscribe panels on public pages: element ids unique on the page, field names as the views expect."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from html.parser import HTMLParser

from flask import render_template_string


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_targets: list[str] = []
        self.inputs: dict[str, str] = {}  # id -> name

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if tag == "label" and values.get("for"):
            self.label_targets.append(str(values["for"]))
        if tag in ("input", "select") and values.get("id"):
            self.inputs[str(values["id"])] = str(values.get("name"))


def _parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


def _assert_well_formed(page: _Elements) -> None:
    duplicates = [element_id for element_id, count in Counter(page.ids).items() if count > 1]
    assert duplicates == []
    assert set(page.label_targets) <= set(page.ids)  # every label points at an element of the page


def test_event_page_panel_ids_are_prefixed_and_the_form_still_subscribes(client, factory) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(title="Story time", start_local=datetime(2026, 6, 4, 18, 0))
    series_id = series.id
    response = client.get(f"/events/{series_id}")
    assert response.status_code == 200
    page = _parse(response.get_data(as_text=True))
    _assert_well_formed(page)
    prefix = f"reminders-series-{series_id}"
    assert page.inputs[f"{prefix}-email"] == "email"
    assert page.inputs[f"{prefix}-consent"] == "consent"
    assert "email" not in page.ids and "consent" not in page.ids
    assert f"{prefix}-email" in page.label_targets
    # The names are unchanged, so what the panel posts is what the subscribe view reads.
    posted = client.post(f"/subscribe/series/{series_id}",
                         data={"email": "panel@example.org", "offset_minutes": "1440", "locale": "en", "consent": "y"})
    assert posted.status_code == 302


def test_two_panels_on_one_page_share_no_ids(app, factory) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Library")
    first = factory.series(title="Story time", organisation=organisation)
    second = factory.series(title="Homework club", organisation=organisation)
    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "_macros.html" import panels with context %}'
            '{{ panels("public_event", first) }}{{ panels("public_event", second) }}'
            '{{ panels("public_organisation", org) }}',
            first=first, second=second, org=organisation,
        )
    page = _parse(html)
    _assert_well_formed(page)
    emails = [element_id for element_id, name in page.inputs.items() if name == "email"]
    assert len(emails) == 3
