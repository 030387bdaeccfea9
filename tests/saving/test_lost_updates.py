"""Lost updates: two people edit one thing from the same version; the second save is a 409 that keeps
their input, says who changed what since, and overwrites nothing. Two signed-in clients, through HTTP."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from ink.attendance.models import AttendanceRecord
from ink.events.models import EventSeries, Venue
from ink.events.service import extend_horizon
from ink.extensions import db
from ink.organisations.models import Organisation
from tests.attendance.conftest import Network, network  # noqa: F401  (fixture)
from tests.conftest import AuthActions
from tests.events.manage_helpers import series_form

# These tests are about commits and rollbacks themselves: they run committing for real, not inside a
# test's outer transaction (whose savepoints a request's rollback would unwind).
pytestmark = pytest.mark.committing

VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')


def signed_in(app: Flask, email: str) -> FlaskClient:
    other = app.test_client()
    AuthActions(other).login(email)
    return other


def loaded_version(client: FlaskClient, url: str) -> str:
    match = VERSION.search(client.get(url).get_data(as_text=True))
    assert match, "the edit form carries the version it was loaded from"
    return match.group(1)


def fresh(model: type, row_id: int):  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_second_save_of_a_series_from_a_stale_form_is_a_409(app, client, auth, network: Network) -> None:  # noqa: F811
    auth.login("editor@example.org")
    coordinator = signed_in(app, "coordinator@example.org")
    url = f"/manage/series/{network.series.id}/edit"
    version_a, version_b = loaded_version(client, url), loaded_version(coordinator, url)

    saved = client.post(url, data=series_form(network.org, title="Café A", version=version_a))
    assert saved.status_code == 302
    late = coordinator.post(url, data=series_form(network.org, title="Café B", audience_note="Adults", version=version_b))

    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert 'value="Café B"' in page and 'value="Adults"' in page  # B's input is kept
    assert "editor@example.org saved changes at" in page and "Title" in page and "Audience" in page
    assert "Your changes are saved." not in page
    series = fresh(EventSeries, network.series.id)
    assert (series.title, series.audience_note) == ("Café A", "Everyone")
    # Having seen the differences, B saves again from the version the 409 page carries: now it counts.
    again = coordinator.post(url, data=series_form(network.org, title="Café B", version=VERSION.search(page).group(1)))
    assert again.status_code == 302
    assert fresh(EventSeries, network.series.id).title == "Café B"


def test_second_correction_of_an_attendance_count_is_a_409(app, client, auth, network: Network) -> None:  # noqa: F811
    auth.login("editor@example.org")
    partner = signed_in(app, "partner@example.org")
    url = f"/manage/attendance/occurrences/{network.past().id}"
    assert client.post(url, data={"total": "10", "method": "head_count"}).status_code == 302
    version_a, version_b = loaded_version(client, url), loaded_version(partner, url)

    assert client.post(url, data={"total": "14", "method": "head_count", "version": version_a}).status_code == 302
    late = partner.post(url, data={"total": "12", "method": "estimate", "note": "Roughly", "version": version_b})

    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert 'value="12"' in page and "Roughly" in page
    assert "editor@example.org saved changes at" in page and "Total people" in page
    record = db.session.scalar(sa.select(AttendanceRecord).execution_options(populate_existing=True))
    assert (record.total, record.method.value, record.note) == (14, "head_count", "")


def test_a_first_count_entered_meanwhile_is_not_overwritten(app, client, auth, network: Network) -> None:  # noqa: F811
    auth.login("editor@example.org")
    partner = signed_in(app, "partner@example.org")
    url = f"/manage/attendance/occurrences/{network.past().id}"
    version_a, version_b = loaded_version(client, url), loaded_version(partner, url)
    assert version_a == version_b == "0"
    assert client.post(url, data={"total": "9", "method": "head_count", "version": version_a}).status_code == 302
    assert partner.post(url, data={"total": "7", "method": "head_count", "version": version_b}).status_code == 409
    assert db.session.scalar(sa.select(AttendanceRecord.total)) == 9


def test_second_save_of_an_organisation_from_a_stale_form_is_a_409(app, client, auth, network: Network) -> None:  # noqa: F811
    auth.login("editor@example.org")
    coordinator = signed_in(app, "coordinator@example.org")
    url = f"/manage/organisations/{network.org.id}/edit"
    version_a, version_b = loaded_version(client, url), loaded_version(coordinator, url)
    assert client.post(url, data={"name": "Kafé Verden", "description": "From A", "version": version_a}).status_code == 302
    late = coordinator.post(url, data={"name": "Kafé Verden", "slug": "kafe-verden", "description": "From B",
                                       "version": version_b})
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert "From B" in page and "editor@example.org saved changes at" in page and "About the organisation" in page
    assert fresh(Organisation, network.org.id).description == "From A"


def late_venue_save(app, client, auth, network: Network, factory, *, language: str | None = None):  # type: ignore[no-untyped-def]
    """Two coordinators open one venue's form; the first saves capacity 40, then the second saves 25."""
    factory.user("second@example.org", coordinator=True)
    auth.login("coordinator@example.org")
    second = signed_in(app, "second@example.org")
    if language:
        second.set_cookie("ink_lang", language)
    url = f"/manage/venues/{network.venue.id}/edit"
    version_a, version_b = loaded_version(client, url), loaded_version(second, url)
    assert client.post(url, data={"name": "Library hall", "capacity": "40", "version": version_a}).status_code == 302
    return second.post(url, data={"name": "Library hall", "capacity": "25", "version": version_b})


def test_second_save_of_a_venue_from_a_stale_form_is_a_409(app, client, auth, network: Network, factory) -> None:  # noqa: F811
    late = late_venue_save(app, client, auth, network, factory)
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert 'value="25"' in page and "coordinator@example.org saved changes at" in page and "Capacity" in page
    assert fresh(Venue, network.venue.id).capacity == 40


def test_a_concurrent_flush_that_finds_its_version_gone_is_a_409(app, client, auth, network: Network) -> None:  # noqa: F811
    """Both saves passed the version check; the later UPDATE matches no row (StaleDataError)."""
    auth.login("editor@example.org")
    url = f"/manage/series/{network.series.id}/edit"
    version = loaded_version(client, url)
    table = EventSeries.__table__

    def other_transaction_commits_first(session, flush_context, instances):  # type: ignore[no-untyped-def]
        session.execute(table.update().where(table.c.id == network.series.id).values(version=table.c.version + 1))

    sa.event.listen(db.session, "before_flush", other_transaction_commits_first, once=True)
    response = client.post(url, data=series_form(network.org, title="Café A", version=version))
    assert response.status_code == 409
    assert "Your changes are saved." not in response.get_data(as_text=True)
    assert fresh(EventSeries, network.series.id).title == "Language café"


def test_the_daily_horizon_extension_does_not_make_open_edit_forms_stale(client, auth, network: Network,  # noqa: F811
                                                                          clock) -> None:
    auth.login("editor@example.org")
    url = f"/manage/series/{network.series.id}/edit"
    version = loaded_version(client, url)
    extend_horizon(now=clock.now() + timedelta(days=30), horizon=timedelta(days=120))
    db.session.commit()
    assert client.post(url, data=series_form(network.org, title="Café A", version=version)).status_code == 302
    assert fresh(EventSeries, network.series.id).version == int(version) + 1


def test_the_conflict_is_explained_in_the_readers_language(app, client, auth, network: Network, factory) -> None:  # noqa: F811
    late = late_venue_save(app, client, auth, network, factory, language="nb")
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert "coordinator@example.org lagret endringer" in page and "Ingenting ble overskrevet." in page
