"""The public pages' cache (ink/page_cache.py) through HTTP: hits and misses (``X-Cache``), 304s,
invalidation by any public change, expiry with the clock, who bypasses it, the visitor's own CSRF
token in a cached page, and a second worker."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from ink.events.models import Venue
from ink.events.service import series_data_of, update_series
from ink.extensions import db
from ink.organisations.models import OrganisationStatus
from ink.organisations.service import set_organisation_status
from ink.page_cache import PRIVATE_TABLES

TOKEN = re.compile(r'action="/language".*?name="csrf_token" value="([^"]+)"', re.S)


def token_of(page: str) -> str:
    found = TOKEN.search(page)
    assert found is not None
    return found.group(1)


def test_a_second_anonymous_request_is_served_from_the_cache(client, factory):
    factory.series(title="Chess club")

    first = client.get("/")
    second = client.get("/")

    assert first.headers["X-Cache"] == "miss" and second.headers["X-Cache"] == "hit"
    assert "Chess club" in second.get_data(as_text=True)
    assert second.headers["Cache-Control"] == "no-cache"
    assert {"Cookie", "Accept-Language"} <= set(second.vary)
    assert second.headers["ETag"] == first.headers["ETag"] and not second.headers["ETag"].startswith("W/")
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"]
    # The same page; the token is signed with a timestamp, so it may differ by a second's signature.
    assert TOKEN.sub("", second.get_data(as_text=True)) == TOKEN.sub("", first.get_data(as_text=True))


def test_parameters_and_languages_are_entries_of_their_own(client, factory):
    factory.series(title="Chess club")
    client.get("/?days=7")

    assert client.get("/?days=3").headers["X-Cache"] == "miss"
    assert client.get("/?days=7").headers["X-Cache"] == "hit"
    assert client.get("/?days=7&x=1").headers["X-Cache"] == "miss"  # an unknown parameter is part of the key
    assert client.get("/?x=1&days=7").headers["X-Cache"] == "hit"  # sorted
    norwegian = client.get("/?days=7", headers={"Accept-Language": "nb"})
    assert norwegian.headers["X-Cache"] == "miss" and '<html lang="nb" dir="ltr">' in norwegian.get_data(as_text=True)


def test_conditional_requests_are_answered_with_304(client, factory):
    factory.series(title="Chess club")
    page = client.get("/")

    by_etag = client.get("/", headers={"If-None-Match": page.headers["ETag"]})
    by_date = client.get("/", headers={"If-Modified-Since": page.headers["Last-Modified"]})
    other_etag = client.get("/", headers={"If-None-Match": '"something-else"'})

    assert by_etag.status_code == 304 and by_etag.get_data() == b""
    assert by_etag.headers["ETag"] == page.headers["ETag"] and by_etag.headers["Cache-Control"] == "no-cache"
    assert by_date.status_code == 304 and by_date.get_data() == b""
    assert other_etag.status_code == 200 and "Chess club" in other_etag.get_data(as_text=True)


def test_head_is_served_from_the_cache_without_a_body(client, factory):
    factory.series(title="Chess club")
    client.get("/")

    head = client.head("/")

    assert head.status_code == 200 and head.headers["X-Cache"] == "hit" and head.get_data() == b""


def test_an_edited_series_shows_on_the_next_request(client, factory, clock):
    series = factory.series(title="Chess club")
    client.get(f"/events/{series.id}")
    assert client.get(f"/events/{series.id}").headers["X-Cache"] == "hit"

    data = series_data_of(series)
    data.title = "Chess and draughts club"
    update_series(series, data, now=clock.now())
    db.session.commit()
    page = client.get(f"/events/{series.id}")
    programme = client.get("/")

    assert page.headers["X-Cache"] == "miss" and "Chess and draughts club" in page.get_data(as_text=True)
    assert "Chess and draughts club" in programme.get_data(as_text=True)


def test_an_organisation_profile_edit_shows_on_the_next_request(client, factory):
    organisation = factory.organisation("Polish Association", description="Polish lessons.")
    client.get(f"/organisations/{organisation.slug}")

    organisation.description = "Polish lessons and a choir."
    db.session.commit()
    page = client.get(f"/organisations/{organisation.slug}")

    assert page.headers["X-Cache"] == "miss" and "a choir" in page.get_data(as_text=True)


def test_a_venue_address_edit_shows_on_the_next_request_also_by_bulk_and_text_statements(client, factory):
    venue = factory.venue("Sølvberget", address="Sølvberggata 2")
    client.get(f"/venues/{venue.slug}")

    venue.address = "Sølvberggata 2, 4006 Stavanger"
    db.session.commit()
    assert "4006 Stavanger" in client.get(f"/venues/{venue.slug}").get_data(as_text=True)

    db.session.execute(sa.update(Venue).where(Venue.id == venue.id).values(address="Kirkegata 1"))
    db.session.commit()
    page = client.get(f"/venues/{venue.slug}")
    assert page.headers["X-Cache"] == "miss" and "Kirkegata 1" in page.get_data(as_text=True)

    db.session.execute(sa.text("UPDATE venue SET address = 'Torget 3' WHERE id = :id"), {"id": venue.id})
    db.session.commit()
    page = client.get(f"/venues/{venue.slug}")
    assert page.headers["X-Cache"] == "miss" and "Torget 3" in page.get_data(as_text=True)


def test_a_membership_status_change_moves_the_version_a_private_row_does_not(client, factory, clock):
    organisation = factory.organisation("Polish Association")
    client.get("/organisations/")

    factory.user("someone@example.org")  # accounts are private: no public page shows them
    assert client.get("/organisations/").headers["X-Cache"] == "hit"

    set_organisation_status(organisation, OrganisationStatus.ARCHIVED, now=clock.now())
    db.session.commit()
    page = client.get("/organisations/")
    assert page.headers["X-Cache"] == "miss" and "Polish Association" not in page.get_data(as_text=True)


def test_entries_expire_with_the_clock(client, factory, clock):
    # Now is 12:00 in Oslo (10:00 UTC); the talk ends at 12:01.
    factory.series(title="Short talk", start_local=datetime(2026, 6, 2, 11, 30), duration_minutes=31)
    assert "Short talk" in client.get("/").get_data(as_text=True)

    clock.advance(seconds=59)
    assert client.get("/").headers["X-Cache"] == "hit"
    clock.advance(seconds=2)  # past PAGE_CACHE_SECONDS (60) and past the talk's end
    page = client.get("/")

    assert page.headers["X-Cache"] == "miss" and "Short talk" not in page.get_data(as_text=True)


def test_an_entry_is_not_served_before_the_moment_it_was_made(client, factory, clock):
    factory.series(title="Short talk", start_local=datetime(2026, 6, 2, 11, 30), duration_minutes=31)
    clock.advance(minutes=2)  # the talk has ended
    assert "Short talk" not in client.get("/").get_data(as_text=True)

    clock.advance(minutes=-2)  # a clock set back (tests do): the talk is on again
    page = client.get("/")

    assert page.headers["X-Cache"] == "miss" and "Short talk" in page.get_data(as_text=True)


def test_entries_end_at_local_midnight(another_app, factory, clock):
    app = another_app(PAGE_CACHE_SECONDS=3600)
    client = app.test_client()
    clock.set(datetime(2026, 6, 2, 21, 59, 30, tzinfo=timezone.utc))  # 23:59:30 in Oslo
    client.get("/topics/")
    assert client.get("/topics/").headers["X-Cache"] == "hit"

    clock.advance(seconds=40)

    assert client.get("/topics/").headers["X-Cache"] == "miss"


def test_signed_in_users_and_waiting_messages_bypass_the_cache(client, factory, auth):
    organisation = factory.organisation("Polish Association")
    factory.user("editor@example.org", editor_of=[organisation])
    client.get("/")
    assert client.get("/").headers["X-Cache"] == "hit"

    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Your message was sent.")]
    flashed = client.get("/")
    assert "X-Cache" not in flashed.headers and "Your message was sent." in flashed.get_data(as_text=True)

    auth.login("editor@example.org")
    for _ in range(2):
        page = client.get("/")
        assert "X-Cache" not in page.headers and "Sign out" in page.get_data(as_text=True)
    auth.logout()
    assert "Sign out" not in client.get("/").get_data(as_text=True)


def test_not_found_is_not_cached(client):
    assert "X-Cache" not in client.get("/events/999999").headers
    assert client.get("/events/999999").status_code == 404
    assert client.get("/?start=nonsense").status_code == 400


class TestTokens:
    @pytest.fixture
    def app_config(self) -> dict[str, object]:
        return {"WTF_CSRF_ENABLED": True}

    def test_each_visitor_gets_their_own_token_and_the_switch_works(self, app, factory):
        factory.series(title="Chess club")
        first, second = app.test_client(), app.test_client()

        page_one = first.get("/")
        page_two = second.get("/")
        assert page_one.headers["X-Cache"] == "miss" and page_two.headers["X-Cache"] == "hit"
        token_one, token_two = token_of(page_one.get_data(as_text=True)), token_of(page_two.get_data(as_text=True))
        assert token_one != token_two
        assert "Set-Cookie" in page_two.headers  # the new visitor's session, as without the cache

        switched = second.post("/language", data={"lang": "nb", "next": "/", "csrf_token": token_two})
        assert switched.status_code == 302
        assert first.post("/language", data={"lang": "nb", "next": "/", "csrf_token": token_one}).status_code == 302
        assert '<html lang="nb" dir="ltr">' in second.get("/").get_data(as_text=True)

    def test_another_visitors_etag_is_not_confirmed(self, app, factory):
        first, second = app.test_client(), app.test_client()
        etag = first.get("/").headers["ETag"]

        assert first.get("/", headers={"If-None-Match": etag}).status_code == 304
        page = second.get("/", headers={"If-None-Match": etag})
        assert page.status_code == 200 and token_of(page.get_data(as_text=True))


def test_another_worker_sees_an_edit_after_its_version_check(app, another_app, factory, clock):
    series = factory.series(title="Chess club")
    trusting = another_app(PAGE_VERSION_CHECK_SECONDS=3600).test_client()
    checking = another_app(PAGE_VERSION_CHECK_SECONDS=0).test_client()
    for worker in (trusting, checking):
        worker.get("/")
        assert worker.get("/").headers["X-Cache"] == "hit"

    data = series_data_of(series)
    data.title = "Chess and draughts club"
    update_series(series, data, now=clock.now())
    db.session.commit()  # through app A (the test's)

    stale = trusting.get("/")
    fresh = checking.get("/")
    assert stale.headers["X-Cache"] == "hit" and "Chess and draughts club" not in stale.get_data(as_text=True)
    assert fresh.headers["X-Cache"] == "miss" and "Chess and draughts club" in fresh.get_data(as_text=True)


def test_filter_choices_follow_the_data(client, factory):
    client.get("/")
    factory.series(title="Chess club", organisation=factory.organisation("Polish Association"))

    page = client.get("/").get_data(as_text=True)

    assert 'value="polish-association"' in page
    assert client.get("/?days=3").headers["X-Cache"] == "miss"


def test_the_cache_can_be_turned_off(another_app):
    client = another_app(PAGE_CACHE_SIZE=0).test_client()
    client.get("/")
    assert "X-Cache" not in client.get("/").headers


def test_the_private_tables_exist():
    # A misspelt name would leave that table public (safe, but not what the list says).
    assert PRIVATE_TABLES <= set(db.metadata.tables)


def test_the_filter_choices_kept_between_pages_are_in_each_visitors_language(client, factory):
    """The programme's filter choices are memoized; their topic labels are translated, so each
    language keeps its own (an English render must not give Norwegian visitors English topics)."""
    multilingualism = next(topic for topic in factory.topics() if topic.name == "Multilingualism")
    factory.series(title="Chess club", topics=[multilingualism])

    english = client.get("/?days=7").get_data(as_text=True)
    norwegian = client.get("/?days=7", headers={"Accept-Language": "nb"}).get_data(as_text=True)

    choice = re.compile(r'value="multilingualism"[^>]*>\s*([^<]+?)\s*</label>')
    assert choice.search(english).group(1) == "Multilingualism"
    assert choice.search(norwegian).group(1) == "Flerspråklighet"
