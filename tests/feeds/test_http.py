"""Serving feeds: headers, conditional requests, Last-Modified that never goes backwards, filters."""
from __future__ import annotations

from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime

import pytest
from icalendar import Calendar

from ink.events import service
from ink.events.models import Audience
from ink.events.recurrence import Recurrence
from ink.extensions import db
from tests.feeds.network import occurrence_on

UTC = timezone.utc


def _uids(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {str(e["UID"]) for e in Calendar.from_ical(response.data).walk("VEVENT")}


def _last_modified(response) -> datetime:  # type: ignore[no-untyped-def]
    return parsedate_to_datetime(response.headers["Last-Modified"])


@pytest.mark.parametrize("accept", [None, "text/html", "application/json", "*/*"])
def test_text_calendar_whatever_the_accept_header(client, factory, accept) -> None:  # type: ignore[no-untyped-def]
    factory.series()
    headers = {"Accept": accept} if accept else {}
    response = client.get("/calendar.ics", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'inline; filename="ink-events.ics"'
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")


def test_path_feeds_have_short_file_names(client, factory) -> None:
    org = factory.organisation("Barnas Verden")
    series = factory.series(organisation=org)
    response = client.get(f"/organisations/{org.slug}/calendar.ics")
    assert response.headers["Content-Disposition"] == 'inline; filename="barnas-verden.ics"'
    assert series.uid in _uids(response)
    response = client.get(f"/events/{series.id}.ics")
    assert response.headers["Content-Disposition"] == f'inline; filename="event-{series.id}.ics"'


def test_etag_and_if_modified_since_give_304(client, factory) -> None:
    factory.series()
    first = client.get("/calendar.ics")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get("/calendar.ics", headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert client.get("/calendar.ics", headers={"If-None-Match": '"other"'}).status_code == 200
    since = client.get("/calendar.ics", headers={"If-Modified-Since": last_modified})
    assert since.status_code == 304
    assert client.get("/calendar.ics", headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}).status_code == 200
    # If-None-Match wins over If-Modified-Since
    both = client.get("/calendar.ics", headers={"If-None-Match": '"other"', "If-Modified-Since": last_modified})
    assert both.status_code == 200


@pytest.mark.parametrize("headers", [
    {"If-None-Match": "not-quoted"},
    {"If-None-Match": '"unterminated'},
    {"If-Modified-Since": "yesterday"},
    {"If-Modified-Since": "Mon, 99 Foo 2024 25:61:00 GMT"},
    {"If-Modified-Since": ""},
])
def test_malformed_conditional_headers_get_200(client, factory, headers) -> None:  # type: ignore[no-untyped-def]
    factory.series()
    response = client.get("/calendar.ics", headers=headers)
    assert response.status_code == 200 and b"BEGIN:VCALENDAR" in response.data


def test_last_modified_moves_forward_on_unpublish_and_exceptions(client, factory, clock) -> None:
    org = factory.organisation()
    keep = factory.series(organisation=org, title="Stays")
    weekly = factory.series(organisation=org, title="Weekly", recurrence=Recurrence(freq="weekly"))
    first = client.get("/calendar.ics")
    seen = [_last_modified(first)]

    def changed(action) -> None:  # type: ignore[no-untyped-def]
        clock.advance(hours=1)
        action()
        db.session.commit()
        response = client.get("/calendar.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert response.status_code == 200
        assert _last_modified(response) > seen[-1]
        seen.append(_last_modified(response))

    changed(lambda: service.cancel_occurrence(occurrence_on(weekly, date(2026, 6, 16)), reason="",
                                               now=clock.now()))
    changed(lambda: service.unpublish_series(weekly, now=clock.now()))
    response = client.get("/calendar.ics")
    assert weekly.uid not in _uids(response) and keep.uid in _uids(response)
    # an unchanged feed then answers 304 to its own Last-Modified
    assert client.get("/calendar.ics", headers={"If-Modified-Since": response.headers["Last-Modified"]}
                      ).status_code == 304


def test_last_modified_moves_forward_when_an_older_change_is_recorded_later(client, factory, clock) -> None:
    """Even a change stamped earlier than the last one (clock skew) moves Last-Modified forward."""
    series = factory.series(recurrence=Recurrence(freq="weekly"))
    clock.advance(hours=2)
    before = _last_modified(client.get("/calendar.ics"))
    service.unpublish_series(series, now=datetime(2026, 6, 1, tzinfo=UTC))  # an older 'now'
    db.session.commit()
    after = _last_modified(client.get("/calendar.ics"))
    assert after > before


def test_unchanged_feed_is_served_from_the_cache(app, client, factory) -> None:
    factory.series()
    cache = app.extensions["ink.feeds.cache"]
    first = client.get("/calendar.ics")
    misses = cache.misses
    second = client.get("/calendar.ics")
    assert second.data == first.data and cache.misses == misses and cache.hits >= 1


@pytest.mark.parametrize("app_config", [{"FEED_CACHE_SECONDS": 0}])
def test_edit_without_signal_still_moves_last_modified(client, factory, clock, app_config) -> None:  # type: ignore[no-untyped-def]
    venue = factory.venue("Old hall")
    factory.series(venue=venue)
    first = client.get("/calendar.ics")
    clock.advance(hours=1)
    venue.name = "New hall"
    db.session.commit()
    second = client.get("/calendar.ics")
    assert b"New hall" in second.data and second.headers["ETag"] != first.headers["ETag"]
    assert _last_modified(second) > _last_modified(first)


# --- filters ----------------------------------------------------------------------------------------

@pytest.fixture
def filtered(factory):  # type: ignore[no-untyped-def]
    topics = factory.topics()
    a, b, c = factory.organisation("Alpha"), factory.organisation("Beta"), factory.organisation("Gamma")
    hall = factory.venue("Hall", slug="hall")
    return {
        "a_pl": factory.series(organisation=a, languages=["pl"], topics=[topics[0]], audiences=[Audience.ADULTS]),
        "b_ar": factory.series(organisation=b, languages=["ar"], topics=[topics[1]], venue=hall),
        "c_pl_kids": factory.series(organisation=c, languages=["pl", "nb"], topics=[topics[0]], audiences=[Audience.CHILDREN]),
        "co": factory.series(organisation=c, coorganisers=[a]),
        "topics": topics,
    }


def test_filters_or_within_and_across(client, filtered) -> None:
    uid = {key: s.uid for key, s in filtered.items() if key != "topics"}
    assert _uids(client.get("/calendar.ics?organisation=alpha")) == {uid["a_pl"], uid["co"]}
    assert _uids(client.get("/calendar.ics?organisation=alpha&organisation=beta")) == {
        uid["a_pl"], uid["co"], uid["b_ar"]}
    assert _uids(client.get("/calendar.ics?language=pl")) == {uid["a_pl"], uid["c_pl_kids"]}
    assert _uids(client.get("/calendar.ics?language=pl&audience=children")) == {uid["c_pl_kids"]}
    topic = filtered["topics"][0].slug
    assert _uids(client.get(f"/calendar.ics?topic={topic}&organisation=gamma")) == {uid["c_pl_kids"]}
    assert _uids(client.get("/calendar.ics?venue=hall")) == {uid["b_ar"]}
    assert _uids(client.get(f"/topics/{topic}/calendar.ics")) == {uid["a_pl"], uid["c_pl_kids"]}
    assert _uids(client.get("/venues/hall/calendar.ics")) == {uid["b_ar"]}


def test_unknown_filter_values(client, filtered) -> None:
    response = client.get("/calendar.ics?organisation=alpha&organisation=nobody")
    assert response.status_code == 400 and b"nobody" in response.data
    assert client.get("/calendar.ics?language=not a code").status_code == 400
    for path in ("/organisations/nobody/calendar.ics", "/topics/nothing/calendar.ics",
                 "/venues/nowhere/calendar.ics", "/events/999999.ics"):
        assert client.get(path).status_code == 404, path


def test_add_this_date_download(client, factory) -> None:
    series = factory.series(recurrence=Recurrence(freq="weekly"), title="Café")
    occ = occurrence_on(series, date(2026, 6, 16))
    response = client.get(f"/events/{series.id}/dates/{occ.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="event-{series.id}-2026-06-16.ics"'
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    assert "RRULE" not in event and str(event["UID"]) != series.uid and str(event["UID"]).startswith(series.uid)
    assert event["DTSTART"].dt.replace(tzinfo=None) == datetime(2026, 6, 16, 18, 0)
    other = factory.series()
    assert client.get(f"/events/{other.id}/dates/{occ.id}.ics").status_code == 404


@pytest.mark.parametrize("app_config", [{"FEED_VERSION_CHECK_SECONDS": 0}])
def test_change_recorded_by_another_worker_is_seen(client, factory, clock, app_config) -> None:  # type: ignore[no-untyped-def]
    """Another process's change reaches this one through the feed_state row, not its memory."""
    from ink.feeds.service import bump_feed_state

    series = factory.series(title="Before")
    first = client.get("/calendar.ics")
    series.title = "After"  # written as another worker would: no signal reaches this process
    clock.advance(minutes=5)
    bump_feed_state(now=clock.now())
    db.session.commit()
    second = client.get("/calendar.ics")
    assert b"SUMMARY:After" in second.data and second.headers["ETag"] != first.headers["ETag"]
    assert _last_modified(second) > _last_modified(first)


def test_hidden_organisations_and_impossible_ids(client, factory) -> None:
    from ink.organisations.models import OrganisationStatus

    pending = factory.organisation("Pending", status=OrganisationStatus.PENDING)
    assert client.get(f"/organisations/{pending.slug}/calendar.ics").status_code == 404
    assert client.get(f"/calendar.ics?organisation={pending.slug}").status_code == 400
    assert client.get(f"/events/{2**40}.ics").status_code == 404
    series = factory.series()
    assert client.get(f"/events/{series.id}/dates/{2**40}.ics").status_code == 404


def test_feed_language_is_explicit(app, client, factory) -> None:
    """Calendar apps send no cookies or Accept-Language: a feed's language comes from ?lang=,
    so one URL always gives the same calendar, whoever fetched it first."""
    factory.series()
    plain = client.get("/calendar.ics", headers={"Accept-Language": "nb"})
    assert plain.status_code == 200
    assert client.get("/calendar.ics?lang=en").data == plain.data
    keys = list(app.extensions["ink.feeds.cache"]._items)
    assert len(keys) == 1 and keys[0][-1] == "en"
    response = client.get("/calendar.ics?lang=xx")
    assert response.status_code == 400 and b"lang" in response.data


@pytest.mark.parametrize("path", [
    "/calendar.ics?organisation=%00", "/calendar.ics?audience=a%00b", "/calendar.ics?topic=%C3%B8",
    "/organisations/%00/calendar.ics", "/topics/x%00/calendar.ics", "/venues/%00/calendar.ics",
    "/subscribe?organisation=%00", "/api/v1/occurrences?start=2026-06-01&end=2026-06-02&venue=%00",
])
def test_control_characters_and_malformed_slugs_are_4xx(client, factory, path: str) -> None:
    factory.series()
    assert 400 <= client.get(path).status_code < 500


# --- every kind of feed: type, name, validators -------------------------------------------------------

FEED_KINDS = [
    ("/calendar.ics", "ink-events.ics"),
    ("/calendar.ics?organisation=alpha&topic={topic}", "ink-events-alpha-{topic}.ics"),
    ("/organisations/alpha/calendar.ics", "alpha.ics"),
    ("/topics/{topic}/calendar.ics", "{topic}.ics"),
    ("/venues/hall/calendar.ics", "hall.ics"),
    ("/events/{series}.ics", "event-{series}.ics"),
    ("/events/{series}/dates/{date}.ics", "event-{series}-2026-06-16.ics"),
]


@pytest.mark.parametrize(("template", "filename"), FEED_KINDS)
def test_every_feed_kind_has_type_name_and_conditional_requests(client, factory, clock, template: str,
                                                                filename: str) -> None:
    topics = factory.topics()
    hall = factory.venue("Hall", slug="hall")
    series = factory.series(organisation=factory.organisation("Alpha"), topics=[topics[0]], venue=hall,
                            recurrence=Recurrence(freq="weekly"))
    occ = occurrence_on(series, date(2026, 6, 16))
    values = {"topic": topics[0].slug, "series": series.id, "date": occ.id}
    path = template.format(**values)

    first = client.get(path, headers={"Accept": "text/html"})
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
    disposition = "attachment" if "/dates/" in path else "inline"
    assert first.headers["Content-Disposition"] == f'{disposition}; filename="{filename.format(**values)}"'
    assert series.uid in first.data.decode()
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and etag.endswith('"')  # strong
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"x", {etag}'}, {"If-Modified-Since": last_modified}):
        again = client.get(path, headers=headers)
        assert again.status_code == 304 and again.data == b"", headers
        assert again.headers["ETag"] == etag
    for headers in ({"If-None-Match": "garbage"}, {"If-Modified-Since": "yesterday"}):
        assert client.get(path, headers=headers).status_code == 200, headers

    clock.advance(hours=1)
    service.cancel_occurrence(occ, reason="", now=clock.now())
    db.session.commit()
    changed = client.get(path, headers={"If-None-Match": etag, "If-Modified-Since": last_modified})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert _last_modified(changed) > parsedate_to_datetime(last_modified)
    stale = client.get(path, headers={"If-Modified-Since": last_modified})
    assert stale.status_code == 200


@pytest.mark.parametrize("app_config", [{"FEED_CACHE_SECONDS": 0}])
def test_last_modified_moves_forward_when_a_series_is_deleted(client, factory, clock, app_config) -> None:  # type: ignore[no-untyped-def]
    """Rows deleted outright (no service, no signal: a data fix in SQL) leave no timestamp behind;
    the feed still moves on. (The app has no series deletion; removing dates is how events vanish.)"""
    import sqlalchemy as sa

    from ink.events.models import Occurrence

    org = factory.organisation()
    keep = factory.series(organisation=org, title="Stays")
    doomed = factory.series(organisation=org, title="Deleted", recurrence=Recurrence(freq="weekly"))
    first = client.get("/calendar.ics")
    clock.advance(hours=1)
    db.session.execute(sa.delete(Occurrence).where(Occurrence.series_id == doomed.id))
    db.session.commit()
    second = client.get("/calendar.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert second.status_code == 200
    assert _uids(second) == {keep.uid}
    assert _last_modified(second) > _last_modified(first)


def test_each_filter_parameter_is_repeatable(client, filtered) -> None:
    uid = {key: s.uid for key, s in filtered.items() if key != "topics"}
    first, second = (topic.slug for topic in filtered["topics"][:2])
    assert _uids(client.get(f"/calendar.ics?topic={first}&topic={second}")) == {
        uid["a_pl"], uid["b_ar"], uid["c_pl_kids"]}
    assert _uids(client.get("/calendar.ics?language=ar&language=nb")) == {uid["b_ar"], uid["c_pl_kids"]}
    assert _uids(client.get("/calendar.ics?audience=adults&audience=CHILDREN")) == {uid["a_pl"], uid["c_pl_kids"]}
    # repeated values of one parameter AND another parameter
    assert _uids(client.get("/calendar.ics?language=ar&language=nb&organisation=gamma")) == {uid["c_pl_kids"]}
