"""Every kind of feed, read back by icalendar, recurring-ical-events and the strict `ical` package:
for a year across both clock changes, each client's live instances equal the app's occurrences."""
from __future__ import annotations

from datetime import datetime

import pytest
from icalendar import Calendar

from ink.events.service import extend_horizon
from ink.extensions import db

from tests.feeds.clients import app_instances, rie_instances, strict_instances, year_window
from tests.feeds.network import build_network, edit_rule_in_the_past

FEEDS = [
    "/calendar.ics",
    "/organisations/{cafe}/calendar.ics",
    "/organisations/{kids}/calendar.ics",
    "/topics/multilingualism/calendar.ics",
    "/venues/biblioteket/calendar.ics",
    "/calendar.ics?language=pl&audience=adults",
]


@pytest.fixture
def network(factory, clock):  # type: ignore[no-untyped-def]
    net = build_network(factory, clock)
    net.series["sewing"] = edit_rule_in_the_past(factory, clock, net.organisations["cafe"])
    return net


def _uids_in(body: bytes) -> set[str]:
    return {str(event["UID"]) for event in Calendar.from_ical(body).walk("VEVENT")}


def _expected(net, body: bytes, start: datetime, end: datetime):  # type: ignore[no-untyped-def]
    uids = _uids_in(body)
    return {item for item in app_instances(start, end) if item[0] in uids}


def test_whole_programme_matches_app_in_every_client(client, network) -> None:
    start, end = year_window(2026)
    body = client.get("/calendar.ics").data
    expected = app_instances(start, end)
    assert len(expected) > 100
    # every published series with occurrences in the year is in the feed; drafts are not
    assert {uid for uid, *_ in expected} <= _uids_in(body)
    assert network.series["draft"].uid not in _uids_in(body)
    assert rie_instances(body, start, end, network.recurring_uids) == expected
    assert strict_instances(body, start, end, network.recurring_uids) == expected


@pytest.mark.parametrize("path", FEEDS)
def test_each_feed_kind_matches_app(client, network, path: str) -> None:
    slugs = {key: org.slug for key, org in network.organisations.items()}
    response = client.get(path.format(**slugs))
    assert response.status_code == 200
    start, end = year_window(2026)
    expected = _expected(network, response.data, start, end)
    assert expected
    assert rie_instances(response.data, start, end, network.recurring_uids) == expected
    assert strict_instances(response.data, start, end, network.recurring_uids) == expected


def test_single_series_feeds_match_app(client, network) -> None:
    start, end = year_window(2026)
    for key in ("cafe", "counted", "monthly", "festival", "night", "autumn", "one_off", "sewing"):
        series = network.series[key]
        body = client.get(f"/events/{series.id}.ics").data
        expected = {item for item in app_instances(start, end) if item[0] == series.uid}
        assert expected, key
        assert rie_instances(body, start, end, network.recurring_uids) == expected, key
        assert strict_instances(body, start, end, network.recurring_uids) == expected, key


def test_next_year_also_matches(client, network, clock) -> None:
    """2027 is beyond the rows' first year: the rules alone must still agree with the rows."""
    extend_horizon(now=clock.now())  # what the scheduler does daily
    db.session.commit()
    start, end = year_window(2027)
    body = client.get("/calendar.ics").data
    expected = app_instances(start, end)
    assert rie_instances(body, start, end, network.recurring_uids) == expected
    assert strict_instances(body, start, end, network.recurring_uids) == expected


def test_add_this_date_download_is_that_one_date_in_every_client(client, network) -> None:
    """The single-date download: exactly one event, at the occurrence's real start and end (a moved
    one where it moved to), in each client."""
    from datetime import date

    from tests.feeds.network import occurrence_on

    start, end = year_window(2026)
    for key, day in (("cafe", date(2026, 6, 11)), ("cafe", date(2026, 11, 3)), ("festival", date(2026, 3, 21)),
                     ("night", date(2026, 3, 29))):
        series = network.series[key]
        occ = occurrence_on(series, day)
        body = client.get(f"/events/{series.id}/dates/{occ.id}.ics").data
        [uid] = _uids_in(body)
        expected = {(uid, None, occ.start_at, occ.end_at)}
        assert rie_instances(body, start, end, set()) == expected, (key, day)
        assert strict_instances(body, start, end, set()) == expected, (key, day)
