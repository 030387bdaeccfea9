"""Event pages, the organisation directory and profiles, panels, /healthz."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from jinja2 import ChoiceLoader, DictLoader

from ink.events.models import Audience, SeriesStatus
from ink.events.recurrence import Recurrence
from ink.events.service import cancel_series
from ink.extensions import db
from ink.organisations.models import OrganisationStatus
from ink.panels import register_panel


@pytest.fixture
def language_cafe(factory):  # type: ignore[no-untyped-def]
    topics = {topic.name: topic for topic in factory.topics()}
    library = factory.organisation("Sølvberget library")
    polish = factory.organisation("Polish Association")
    venue = factory.venue("Sølvberget", address="Sølvberggata 2, 4006 Stavanger", latitude=58.97066,
                          longitude=5.73176, accessibility="Step-free entrance")
    return factory.series(
        title="Language café", organisation=library, coorganisers=[polish], venue=venue,
        start_local=datetime(2026, 6, 2, 17, 0), duration_minutes=120,
        recurrence=Recurrence(freq="weekly", weekdays=(1, 3)),
        topics=[topics["Multilingualism"]], languages=["pl", "es", "lt"],
        audiences=[Audience.CHILDREN, Audience.FAMILIES], audience_note="Bring the whole family", age_min=3, age_max=11, is_drop_in=True,
        registration_url="https://example.org/register",
        description_html="<p>Practise <strong>Norwegian</strong>.</p>",
    )


def test_event_page_shows_the_details(client, language_cafe):
    response = client.get(f"/events/{language_cafe.id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<h1 lang="en" dir="auto">Language café</h1>' in html
    assert "<p>Practise <strong>Norwegian</strong>.</p>" in html
    assert "Every Tuesday and Thursday, 17:00–19:00" in html
    assert f'href="/organisations/{language_cafe.organisation.slug}"' in html
    assert f'href="/organisations/{language_cafe.coorganisers[0].slug}"' in html
    assert "Multilingualism" in html
    for name in ("Polish", "Spanish", "Lithuanian"):
        assert name in html
    assert "<li>Children</li><li>Families</li>" in html and "Bring the whole family" in html and "ages 3–11" in html
    assert "Drop in" in html and 'href="https://example.org/register"' in html
    assert "Sølvberggata 2, 4006 Stavanger" in html and "Step-free entrance" in html
    assert "https://www.openstreetmap.org/?mlat=58.97066&amp;mlon=5.73176" in html
    # The next dates: Tuesday 2 June and Thursday 4 June first.
    assert html.index("Tuesday 2 June") < html.index("Thursday 4 June")


def test_pages_make_no_third_party_requests(client, language_cafe):
    for url in ("/", f"/events/{language_cafe.id}", "/organisations/",
                f"/organisations/{language_cafe.organisation.slug}"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//[^"]*"[^>]*(rel="stylesheet"|>\s*</script)', html)
        # A canonical link and the hreflang alternates name the page's own addresses and load nothing.
        assert not re.search(r'<(script|img|iframe|link)(?! rel="(?:canonical|alternate)")[^>]+(src|href)="(https?:)?//', html)


def test_language_names_follow_the_interface_language(client, language_cafe):
    html = client.get(f"/events/{language_cafe.id}", headers={"Accept-Language": "nb"}).get_data(as_text=True)

    assert "polsk" in html and "litauisk" in html
    assert "tirsdag" in html  # the next dates, formatted by Babel for nb


def test_draft_event_is_hidden_from_the_public_but_previewed_by_its_editors(client, auth, factory):
    organisation = factory.organisation()
    draft = factory.series(title="Planning", organisation=organisation, status=SeriesStatus.DRAFT)
    factory.user("editor@example.org", editor_of=[organisation])
    factory.user("other@example.org", editor_of=[factory.organisation()])
    factory.coordinator()

    assert client.get(f"/events/{draft.id}").status_code == 404
    auth.login("other@example.org")
    assert client.get(f"/events/{draft.id}").status_code == 404
    auth.logout()
    for email in ("editor@example.org", "coordinator@example.org"):
        auth.login(email)
        response = client.get(f"/events/{draft.id}")
        assert response.status_code == 200
        assert "This event is not published" in response.get_data(as_text=True)
        auth.logout()


def test_cancelled_event_page_says_so(client, factory, clock):
    series = factory.series(title="Kite festival")
    cancel_series(series, reason="Strong wind", now=clock.now())
    db.session.commit()

    html = client.get(f"/events/{series.id}").get_data(as_text=True)

    assert "Cancelled" in html and "Strong wind" in html


@pytest.mark.parametrize("url", ["/organisations/%00", "/organisations/?topic=%00", "/events/1?x=%00"])
def test_a_nul_character_in_the_url_is_a_bad_request(client, url):  # type: ignore[no-untyped-def]
    assert client.get(url).status_code == 400


@pytest.mark.parametrize("url", ["/events/999999", "/events/99999999999999999999999", "/events/0", "/events/abc", "/events/-1", "/organisations/no-such-org", "/organisations/" + "a" * 300,
                                 "/organisations/?topic=no-such-topic"])
def test_missing_things_give_404(client, url):
    assert client.get(url).status_code == 404


def test_directory_lists_active_organisations_alphabetically_and_filters(client, factory):
    topics = {topic.name: topic for topic in factory.topics()}
    factory.organisation("Zulu Choir", languages=["zu"], topics=[topics["Culture, Leisure and Heritage"]])
    factory.organisation("alpha Association", languages=["pl", "nb"], topics=[topics["Education"]])
    factory.organisation("Pending Group", status=OrganisationStatus.PENDING)
    factory.organisation("Archived Group", status=OrganisationStatus.ARCHIVED)

    html = client.get("/organisations/").get_data(as_text=True)
    assert html.index("alpha Association") < html.index("Zulu Choir")
    assert "Pending Group" not in html and "Archived Group" not in html

    by_topic = client.get("/organisations/?topic=education").get_data(as_text=True)
    assert "alpha Association" in by_topic and "Zulu Choir" not in by_topic
    by_language = client.get("/organisations/?language=zu").get_data(as_text=True)
    assert "Zulu Choir" in by_language and "alpha Association" not in by_language
    assert client.get("/organisations/?language=" + "x" * 40).status_code == 400
    assert client.get("/organisations/?language=%00").status_code == 400


def test_organisation_profile(client, factory):
    organisation = factory.organisation("Polish Association", description="Saturday school (example).",
                                        website="https://polish.example.org", contact_email="post@polish.example.org",
                                        languages=["pl"])
    factory.series(title="Saturday school", organisation=organisation, recurrence=Recurrence(freq="weekly"),
                   start_local=datetime(2026, 6, 6, 10, 0))
    factory.series(title="Hidden draft", organisation=organisation, status=SeriesStatus.DRAFT)
    partner = factory.series(title="Joint concert", coorganisers=[organisation], start_local=datetime(2026, 7, 1, 19))

    html = client.get(f"/organisations/{organisation.slug}").get_data(as_text=True)

    assert "Saturday school (example)." in html and 'href="https://polish.example.org"' in html
    assert "mailto:post@polish.example.org" in html and "Polish" in html
    assert "Saturday school" in html and "Joint concert" in html and partner.title in html
    assert "Hidden draft" not in html
    assert html.count("Saturday school</a>") == 1  # each series once, at its next date
    assert "Saturday 6 June" in html


@pytest.mark.parametrize("status", [OrganisationStatus.PENDING, OrganisationStatus.ARCHIVED])
def test_hidden_organisation_profiles_are_404_for_the_public(client, auth, factory, status):
    organisation = factory.organisation("Quiet Group", status=status)
    factory.coordinator()

    assert client.get(f"/organisations/{organisation.slug}").status_code == 404
    auth.login("coordinator@example.org")
    assert client.get(f"/organisations/{organisation.slug}").status_code == 200


def test_panels_render_in_public_slots(app, client, language_cafe):
    app.jinja_loader = ChoiceLoader([DictLoader({"test/panel.html": "<p>PANEL {{ panel.label }}</p>"}),
                                     app.jinja_loader])  # type: ignore[assignment]
    app.jinja_env.loader = app.jinja_loader
    for slot in ("public_programme", "public_event", "public_organisation"):
        register_panel(app, slot, "test/panel.html", lambda user, obj, now, slot=slot: {"label": slot})

    assert "PANEL public_programme" in client.get("/").get_data(as_text=True)
    assert "PANEL public_event" in client.get(f"/events/{language_cafe.id}").get_data(as_text=True)
    profile = client.get(f"/organisations/{language_cafe.organisation.slug}").get_data(as_text=True)
    assert "PANEL public_organisation" in profile


def test_healthz(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "ok"


def test_event_with_a_rule_the_forms_cannot_express_still_renders(client, factory):
    series = factory.series(title="Imported", recurrence=Recurrence(freq="weekly"))
    series.rrule = "FREQ=WEEKLY;BYHOUR=9,18"  # e.g. from an aggregated calendar
    db.session.commit()

    response = client.get(f"/events/{series.id}")

    assert response.status_code == 200
    assert "Imported" in response.get_data(as_text=True)
