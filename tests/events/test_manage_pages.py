"""Manage pages render the panels higher domains register, resist mass assignment, and list what they should."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from jinja2 import ChoiceLoader, DictLoader

from ink.events import service
from ink.events.models import EventSeries, Occurrence, SeriesStatus
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.panels import register_panel
from tests.events.manage_helpers import series_form


@pytest.fixture
def editor(factory, auth):  # type: ignore[no-untyped-def]
    org = factory.organisation("Library")
    factory.user("editor@example.org", editor_of=[org])
    auth.login("editor@example.org")
    return org


def test_pages_render_registered_panels(app, client, editor, factory):
    app.jinja_env.loader = ChoiceLoader([
        DictLoader({"test/panel.html": "<p>PANEL {{ panel.label }}</p>"}), app.jinja_env.loader])
    register_panel(app, "dashboard", "test/panel.html", lambda user, obj, now: {"label": "dashboard"})
    register_panel(app, "series", "test/panel.html", lambda user, obj, now: {"label": f"series {obj.title}"})
    register_panel(app, "occurrence", "test/panel.html", lambda user, obj, now: {"label": f"occurrence {obj.id}"})
    register_panel(app, "series", "test/panel.html", lambda user, obj, now: None)  # hidden
    series = factory.series(organisation=editor, title="Café", recurrence=Recurrence(freq="weekly"))
    occ = db.session.scalars(sa.select(Occurrence).where(Occurrence.series_id == series.id).limit(1)).one()
    assert "PANEL dashboard" in client.get("/manage/").get_data(as_text=True)
    page = client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    assert page.count("PANEL") == 1 and "PANEL series Café" in page
    assert f"PANEL occurrence {occ.id}" in client.get(f"/manage/occurrences/{occ.id}").get_data(as_text=True)


def test_extra_fields_cannot_set_status_uid_or_sequence(client, editor):
    data = series_form(editor, status="published", uid="evil-uid", sequence="99", id="7", created_at="2000-01-01")
    assert client.post("/manage/series/new", data=data).status_code == 302
    series = db.session.scalars(sa.select(EventSeries)).one()
    assert series.status == SeriesStatus.DRAFT and series.uid != "evil-uid" and series.sequence == 0


def test_pages_link_their_assets_and_have_no_inline_script(client, editor):
    html = client.get("/manage/series/new").get_data(as_text=True)
    assert re.search(r'<script src="/static/manage\.js\?v=[0-9a-f]+" defer></script>', html)
    assert re.search(r'href="/static/manage\.css\?v=[0-9a-f]+"', html)
    assert "<script>" not in html and " style=" not in html and "onclick" not in html
    for asset in ("/static/manage.js", "/static/manage.css"):
        response = client.get(asset)
        assert response.status_code == 200
        response.close()


def test_series_list_filters(client, editor, factory):
    factory.series(organisation=editor, title="Draft one", status=SeriesStatus.DRAFT)
    factory.series(organisation=editor, title="Live one", status=SeriesStatus.PUBLISHED)
    html = client.get("/manage/series/?status=draft").get_data(as_text=True)
    assert "Draft one" in html and "Live one" not in html
    html = client.get(f"/manage/series/?organisation={editor.id}&status=bogus&page=zz").get_data(as_text=True)
    assert "Draft one" in html and "Live one" in html


def test_series_and_occurrence_queries(app, factory, clock):
    org = factory.organisation("A")
    other = factory.organisation("B")
    mine = factory.series(organisation=org, start_local=datetime(2026, 5, 5, 17, 0),
                          recurrence=Recurrence(freq="weekly", end="count", count=10))
    factory.series(organisation=other, status=SeriesStatus.DRAFT)
    assert list(db.session.scalars(service.series_query(organisation_ids={org.id}))) == [mine]
    assert [s.organisation_id for s in db.session.scalars(service.series_query(status=SeriesStatus.DRAFT))] == [other.id]
    past = list(db.session.scalars(service.occurrences_query(mine, now=clock.now(), past=True)))
    upcoming = list(db.session.scalars(service.occurrences_query(mine, now=clock.now(), past=False)))
    assert len(past) == 4 and len(upcoming) == 6
    assert past[0].start_at > past[-1].start_at and upcoming[0].start_at < upcoming[-1].start_at
    assert service.get_occurrence_by_id(upcoming[0].id) is upcoming[0]


def test_rule_the_form_cannot_express_is_shown_not_a_500(client, editor, factory):
    series = factory.series(organisation=editor, title="Odd", recurrence=Recurrence(freq="weekly"))
    series.rrule = "FREQ=WEEKLY;BYDAY=TU;BYHOUR=10,12"
    db.session.commit()
    page = client.get(f"/manage/series/{series.id}")
    assert page.status_code == 200 and "BYHOUR=10,12" in page.get_data(as_text=True)
    edit = client.get(f"/manage/series/{series.id}/edit")
    assert edit.status_code == 200
    assert "Saving replaces it" in edit.get_data(as_text=True)


@pytest.mark.parametrize("field", ["title", "audience_note", "description", "registration_url"])
def test_nul_characters_are_a_field_error(client, editor, field):
    value = "https://a.example/\x00" if field == "registration_url" else "Caf\x00é"
    response = client.post("/manage/series/new", data=series_form(editor, **{field: value}))
    assert response.status_code == 422
    assert f'id="{field}-errors"' in response.get_data(as_text=True)


def test_nul_in_organisation_and_venue_forms(client, factory, auth):
    factory.coordinator()
    auth.login("coordinator@example.org")
    assert client.post("/manage/organisations/new", data={"name": "A\x00"}).status_code == 422
    assert client.post("/manage/venues/new", data={"name": "Hall", "address": "\x00"}).status_code == 422
    assert client.get("/manage/series/?organisation=99999999999999999999").status_code == 200
