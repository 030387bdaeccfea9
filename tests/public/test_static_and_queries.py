"""The stylesheet's promises, and query counts of the event page and the directory."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from ink.events.models import EventSeries
from ink.events.recurrence import Recurrence
from ink.extensions import db
from tests.public.test_programme import count_queries

STYLESHEET = Path(__file__).resolve().parents[2] / "ink" / "static" / "ink.css"


def test_stylesheet_is_self_contained_and_accessible(client):
    css = STYLESHEET.read_text(encoding="utf-8")

    assert "@import" not in css and not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    assert "prefers-reduced-motion" in css and ":focus-visible" in css
    assert "--ink-target: 44px" in css
    for used_by_base in ("site-header", "wrap", "header-row", "brand", "nav", "language-switch", "visually-hidden",
                         "skip-link", "flashes", "flash-", "field", "has-error", "errors", "hint", "form-errors",
                         "form", "narrow", "inline", "link-button", "primary", "site-footer"):
        assert f".{used_by_base}" in css, used_by_base
    response = client.get("/static/ink.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    response.close()


def test_event_page_and_directory_queries_do_not_grow(client, factory):
    topics = factory.topics()

    def add(n: int) -> None:
        for _ in range(n):
            organisation = factory.organisation(topics=topics[:2], languages=["pl", "nb"])
            factory.series(organisation=organisation, coorganisers=[factory.organisation()], venue=factory.venue(),
                           topics=topics[:3], languages=["pl", "es"], recurrence=Recurrence(freq="weekly"),
                           start_local=datetime(2026, 6, 3, 18, 0))

    add(1)
    series_id = db.session.scalar(sa.select(EventSeries.id))
    db.session.remove()
    with count_queries() as event_queries:
        client.get(f"/events/{series_id}")
    with count_queries() as directory_few:
        client.get("/organisations/")
    add(8)
    db.session.remove()
    with count_queries() as directory_many:
        client.get("/organisations/")

    assert len(event_queries) <= 9  # 8, and the event's versions in other languages (issue 12)
    assert len(directory_many) == len(directory_few)


def test_map_link_falls_back_to_an_address_search(client, factory):
    venue = factory.venue("Hall", address="Kirkegata 1, 4006 Stavanger")
    series = factory.series(venue=venue)

    html = client.get(f"/events/{series.id}").get_data(as_text=True)

    assert 'href="https://www.openstreetmap.org/search?query=Kirkegata%201%2C%204006%20Stavanger"' in html
