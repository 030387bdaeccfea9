"""The widget for member organisations' websites: /embed (a compact list for an <iframe>), /embed.js (the
snippet that inserts and sizes it) and the snippet on the organisation's profile in /manage.

The clock stands at Tuesday 2 June 2026, 12:00 in Oslo.
"""
from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from ink.events import service
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.i18n import LANGUAGE_COOKIE
from ink.organisations.models import OrganisationStatus
from tests.conftest import PASSWORD
from tests.feeds.network import occurrence_on

ROW = re.compile(r'<li class="embed-row[^"]*">.*?</li>', re.S)


def _page(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.data[:500]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return response.get_data(as_text=True)


def _rows(html: str) -> list[str]:
    return ROW.findall(html)


def _frame_ancestors(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r"frame-ancestors ([^;]+)", response.headers["Content-Security-Policy"])
    assert found, response.headers["Content-Security-Policy"]
    return found.group(1).strip()


@pytest.fixture
def cafe(factory):  # type: ignore[no-untyped-def]
    venue = factory.venue("Sølvberget", slug="solvberget", address="Sølvberggata 2")
    organisation = factory.organisation("Språkkafé Stavanger")
    return factory.series(organisation=organisation, title="Language café <&> “Polish”",
                          recurrence=Recurrence(freq="weekly"), venue=venue, duration_minutes=120)


@pytest.fixture
def other(factory):  # type: ignore[no-untyped-def]
    topics = factory.topics()
    return factory.series(organisation=factory.organisation("Barnas Verden"), title="Kite workshop",
                          start_local=datetime(2026, 6, 6, 11, 0), topics=[topics[0]])


def test_an_organisations_next_dates_with_day_time_title_and_place(client, cafe, other) -> None:  # type: ignore[no-untyped-def]
    html = _page(client.get(f"/embed?organisation={cafe.organisation.slug}"))
    rows = _rows(html)
    assert len(rows) == 10  # the default limit
    first = rows[0]
    assert "Today" in first and "18:00–20:00" in first and "Sølvberget" in first
    assert "Language café &lt;&amp;&gt; “Polish”" in first  # escaped
    assert f'<a href="https://ink.example.org/events/{cafe.id}" target="_blank" rel="noopener" lang="en" dir="auto">' in first
    assert "Tuesday 9 June" in rows[1]
    assert "Kite workshop" not in html
    assert '<html lang="en" dir="ltr" class="theme-auto">' in html
    assert (f'<a href="https://ink.example.org/?organisation={cafe.organisation.slug}" target="_blank" '
            'rel="noopener">All events at ink.example.org</a>') in html
    # self-contained: our stylesheet and script only, no navigation, no form
    assert "<form" not in html and "<nav" not in html
    local = re.findall(r'(?:src|href)="(/[^"]*)"', html)
    assert len(local) == 2 and all(path.startswith(("/static/embed.css?v=", "/static/embed-frame.js?v=")) for path in local)


def test_a_cancelled_date_is_marked(client, cafe, clock) -> None:  # type: ignore[no-untyped-def]
    service.cancel_occurrence(occurrence_on(cafe, date(2026, 6, 9)), reason="Closed", now=clock.now())
    db.session.commit()
    rows = _rows(_page(client.get(f"/embed?organisation={cafe.organisation.slug}")))
    assert "Cancelled" not in rows[0]
    assert 'class="embed-row is-cancelled"' in rows[1] and "Cancelled" in rows[1]


def test_topic_filter_and_no_filter(client, cafe, other) -> None:  # type: ignore[no-untyped-def]
    topic = other.topics[0]
    rows = _rows(_page(client.get(f"/embed?topic={topic.slug}")))
    assert len(rows) == 1 and "Kite workshop" in rows[0] and "Saturday 6 June" in rows[0] and "11:00" in rows[0]
    everything = _rows(_page(client.get("/embed")))
    assert [("Kite workshop" in row) for row in everything[:4]] == [False, True, False, False]  # 2, 6, 9, 16 June: soonest first


def test_limit(client, cafe) -> None:  # type: ignore[no-untyped-def]
    assert len(_rows(_page(client.get("/embed?limit=3")))) == 3
    assert len(_rows(_page(client.get("/embed?limit=50")))) == 50  # a weekly event has 53 in the coming year
    for bad in ("0", "51", "ten", "-1", "2.5"):
        response = client.get(f"/embed?limit={bad}")
        assert response.status_code == 400, bad
        assert "Parameter limit must be a whole number from 1 to 50." in response.get_data(as_text=True)


def test_hidden_organisations_and_drafts_are_not_shown(client, factory, cafe) -> None:  # type: ignore[no-untyped-def]
    pending = factory.organisation("Waiting", status=OrganisationStatus.PENDING)
    factory.series(organisation=pending, title="Not yet public", start_local=datetime(2026, 6, 3, 18, 0))
    assert "Not yet public" not in _page(client.get("/embed"))
    response = client.get(f"/embed?organisation={pending.slug}")
    assert response.status_code == 400
    assert f"Unknown organisation: {pending.slug}." in response.get_data(as_text=True)


def test_themes(client, cafe) -> None:  # type: ignore[no-untyped-def]
    assert 'class="theme-dark"' in _page(client.get("/embed?theme=dark"))
    assert 'class="theme-light"' in _page(client.get("/embed?theme=light"))
    auto = _page(client.get("/embed?theme=auto"))
    assert 'class="theme-auto"' in auto and '<meta name="color-scheme" content="light dark">' in auto
    with client.get("/static/embed.css") as static:
        css = static.get_data(as_text=True)
    assert ".theme-dark" in css and "@media (prefers-color-scheme: dark)" in css and ".theme-auto" in css
    response = client.get("/embed?theme=blue")
    assert response.status_code == 400
    assert "Parameter theme must be one of auto, light, dark." in response.get_data(as_text=True)


def test_language_is_the_parameter_never_the_cookie(client, cafe) -> None:  # type: ignore[no-untyped-def]
    client.set_cookie(LANGUAGE_COOKIE, "nb")
    english = _page(client.get("/embed"))
    assert '<html lang="en"' in english and "Today" in english and "I dag" not in english
    bokmal = _page(client.get("/embed?lang=nb"))
    assert '<html lang="nb"' in bokmal and "I dag" in bokmal and "tirsdag 9. juni" in bokmal
    response = client.get("/embed?lang=xx")
    assert response.status_code == 400 and "Parameter lang must be one of en, ar, es, lt, nb, pl, uk." in response.get_data(as_text=True)
    # the error speaks the asked language too
    nb_error = client.get("/embed?lang=nb&theme=blue")
    assert nb_error.status_code == 400 and '<html lang="nb"' in nb_error.get_data(as_text=True)


def test_unknown_filter_values_are_a_400_inside_the_frame(client, cafe) -> None:  # type: ignore[no-untyped-def]
    for query in ("organisation=nobody", "topic=nothing", "audience=martians", "dropin=yes", "venue=NO%20SUCH"):
        response = client.get(f"/embed?{query}")
        assert response.status_code == 400, query
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert _frame_ancestors(response) == "*"
        assert "X-Frame-Options" not in response.headers
        assert not response.headers.getlist("Set-Cookie")


def test_only_the_widget_may_be_framed(app, client, cafe) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/embed")
    assert _frame_ancestors(response) == "*"
    assert "X-Frame-Options" not in response.headers
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]  # the rest of the policy stays
    for path in ("/", f"/events/{cafe.id}", "/subscribe", "/embed.js", "/login"):
        other = client.get(path)
        assert _frame_ancestors(other) == "'none'", path
        assert other.headers["X-Frame-Options"] == "DENY", path
    app.config["EMBED_FRAME_ANCESTORS"] = "https://polish.example  https://*.kommune.no"
    assert _frame_ancestors(client.get("/embed")) == "https://polish.example https://*.kommune.no"


def test_a_current_copy_is_a_304_that_still_allows_framing(client, cafe) -> None:  # type: ignore[no-untyped-def]
    first = client.get("/embed")
    again = client.get("/embed", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert _frame_ancestors(again) == "*" and "X-Frame-Options" not in again.headers


@pytest.mark.parametrize("path", ["/embed", "/embed?theme=blue", "/embed.js"])
def test_no_cookie_is_set_for_a_language_cookie_or_a_signed_in_visitor(app, client, factory, cafe, path) -> None:  # type: ignore[no-untyped-def]
    client.set_cookie(LANGUAGE_COOKIE, "nb")
    response = client.get(path)
    assert response.headers.getlist("Set-Cookie") == []
    factory.user("editor@example.org", editor_of=[cafe.organisation])
    client.post("/login", data={"email": "editor@example.org", "password": PASSWORD, "remember": "y"})
    jar = {(cookie.key, cookie.value) for cookie in client._cookies.values()}  # noqa: SLF001
    assert {key for key, _value in jar} >= {"session", "remember_token", LANGUAGE_COOKIE}
    response = client.get(path)
    assert response.headers.getlist("Set-Cookie") == []
    assert {(cookie.key, cookie.value) for cookie in client._cookies.values()} == jar  # noqa: SLF001
    # Without the session cookie Flask-Login would sign in again from the remember cookie (and set a
    # new session cookie): not on the widget.
    client.delete_cookie("session")
    app.extensions["ink.feeds.cache"].clear()  # rendered anew, not answered from the cache
    response = client.get(path)
    assert response.headers.getlist("Set-Cookie") == []
    # ...while an ordinary page does (the mechanism the widget switches off is really there)
    assert client.get("/account").headers.getlist("Set-Cookie")


def test_the_script(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert response.headers.getlist("Set-Cookie") == []
    script = response.get_data(as_text=True)
    assert 'var ORIGIN = "https://ink.example.org";' in script
    assert 'var EMBED_URL = "https://ink.example.org/embed";' in script
    assert "event.origin !== ORIGIN || event.source !== frame.contentWindow" in script
    assert "script.parentNode.insertBefore(frame, script.nextSibling)" in script
    for name in ("organisation", "topic", "theme", "lang", "limit"):
        assert f'"{name}"' in script
    with client.get("/static/embed-frame.js") as static:
        frame_script = static.get_data(as_text=True)
    assert "window.parent.postMessage" in frame_script and "ink-embed-height" in frame_script


def test_the_profile_in_manage_shows_the_snippet_and_a_preview(client, factory, auth, cafe) -> None:  # type: ignore[no-untyped-def]
    organisation = cafe.organisation
    factory.user("editor@example.org", editor_of=[organisation])
    auth.login("editor@example.org")
    html = client.get(f"/manage/organisations/{organisation.id}/edit").get_data(as_text=True)
    slug = organisation.slug
    assert ('<textarea id="embed-script" class="snippet" readonly rows="2" cols="70" spellcheck="false">'
            f'&lt;script src=&#34;https://ink.example.org/embed.js&#34; data-organisation=&#34;{slug}&#34;&gt;'
            "&lt;/script&gt;</textarea>") in html
    assert f"&lt;iframe src=&#34;https://ink.example.org/embed?organisation={slug}&#34;" in html
    assert f'<iframe class="embed-preview" src="/embed?organisation={slug}&amp;lang=en"' in html
    assert client.get(f"/embed?organisation={slug}&lang=en").status_code == 200  # the preview works


def test_a_pending_organisation_gets_the_snippet_without_a_preview(client, factory, auth) -> None:  # type: ignore[no-untyped-def]
    pending = factory.organisation("Waiting", status=OrganisationStatus.PENDING)
    factory.user("editor@example.org", editor_of=[pending])
    auth.login("editor@example.org")
    html = client.get(f"/manage/organisations/{pending.id}/edit").get_data(as_text=True)
    assert f"data-organisation=&#34;{pending.slug}&#34;" in html
    assert "embed-preview" not in html
    assert "The widget shows your events once the organisation is active." in html


def test_another_organisations_profile_stays_forbidden(client, factory, auth, cafe) -> None:  # type: ignore[no-untyped-def]
    factory.user("editor@example.org", editor_of=[factory.organisation("Mine")])
    auth.login("editor@example.org")
    assert client.get(f"/manage/organisations/{cafe.organisation.id}/edit").status_code == 403
