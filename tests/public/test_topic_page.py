"""A topic's own page: its upcoming events, the organisations working on it, and ways to follow it."""
from __future__ import annotations

from datetime import datetime

from ink.events.models import SeriesStatus


def test_topic_page_lists_events_organisations_and_subscriptions(client, factory) -> None:  # type: ignore[no-untyped-def]
    topics = {topic.name: topic for topic in factory.topics()}
    multilingual = topics["Multilingualism"]
    organisation = factory.organisation("Polish Association", topics=[multilingual])
    factory.series(title="Language café", organisation=organisation, topics=[multilingual],
                   start_local=datetime(2026, 6, 4, 17, 0))
    factory.series(title="Draft café", organisation=organisation, topics=[multilingual], status=SeriesStatus.DRAFT)
    factory.series(title="Kite festival", organisation=organisation, topics=[topics["Neighbourhood"]])

    page = client.get(f"/topics/{multilingual.slug}").get_data(as_text=True)

    assert "Language café" in page and "Polish Association" in page
    assert "Draft café" not in page and "Kite festival" not in page
    assert f'action="/subscribe/topic/{multilingual.slug}"' in page  # email reminders
    assert f"/topics/{multilingual.slug}/calendar.ics" in page  # calendar feed
    norwegian = client.get(f"/topics/{multilingual.slug}", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert "Flerspråklighet" in norwegian


def test_topic_links_lead_to_the_topic_page(client, factory) -> None:  # type: ignore[no-untyped-def]
    topics = {topic.name: topic for topic in factory.topics()}
    series = factory.series(topics=[topics["Refugees"]])
    assert f'href="/topics/{topics["Refugees"].slug}"' in client.get(f"/events/{series.id}").get_data(as_text=True)


def test_unknown_topic_is_404(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/topics/no-such-topic").status_code == 404
