"""The transaction boundary is explicit: a view commits, then tells the user. A commit that fails
(a full disk) shows an error page, never "saved", neither now nor on the next page; nothing is stored."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask, has_request_context
from sqlalchemy.orm import Session

from ink.attendance.models import AttendanceRecord
from ink.events.models import EventSeries
from ink.extensions import db
from tests.attendance.conftest import Network, network  # noqa: F401  (fixture)
from tests.events.manage_helpers import series_form

# These tests are about commits and rollbacks themselves: they run committing for real, not inside a
# test's outer transaction (whose savepoints a request's rollback would unwind).
pytestmark = pytest.mark.committing


class FullDisk:
    """While on, every commit fails as PostgreSQL's does on a full disk; the app shows its 500 page."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.is_on = False

    def _refuse(self, session: Session) -> None:
        if not has_request_context():
            return  # the test's own session (the client commits it before each request): not the app's commit
        raise sa.exc.OperationalError("COMMIT", {}, Exception("could not extend file: No space left on device"))

    def on(self) -> None:
        # As in production: errors become the 500 page instead of being raised into the test.
        self.app.config["PROPAGATE_TEST_ERRORS"] = False
        self.app.config["PROPAGATE_EXCEPTIONS"] = False
        sa.event.listen(Session, "before_commit", self._refuse)
        self.is_on = True

    def off(self) -> None:
        if self.is_on:
            sa.event.remove(Session, "before_commit", self._refuse)
            self.is_on = False
        self.app.config["PROPAGATE_TEST_ERRORS"] = True
        self.app.config["PROPAGATE_EXCEPTIONS"] = None


@pytest.fixture
def full_disk(app: Flask) -> Iterator[FullDisk]:
    disk = FullDisk(app)
    yield disk
    disk.off()


def test_a_failed_commit_of_a_series_edit_never_says_saved(client, auth, network: Network,  # noqa: F811
                                                             full_disk: FullDisk) -> None:
    auth.login("editor@example.org")
    full_disk.on()
    response = client.post(f"/manage/series/{network.series.id}/edit",
                           data=series_form(network.org, title="Renamed café"))
    full_disk.off()
    assert response.status_code == 500
    assert "Your changes are saved." not in response.get_data(as_text=True)
    next_page = client.get(f"/manage/series/{network.series.id}").get_data(as_text=True)
    assert "Language café" in next_page and "Your changes are saved." not in next_page
    db.session.expire_all()
    assert db.session.get(EventSeries, network.series.id).title == "Language café"


def test_a_failed_commit_of_an_attendance_count_never_says_saved(client, auth, network: Network,  # noqa: F811
                                                                 full_disk: FullDisk) -> None:
    auth.login("editor@example.org")
    url = f"/manage/attendance/occurrences/{network.past().id}"
    full_disk.on()
    response = client.post(url, data={"total": "12", "method": "head_count", "note": ""})
    full_disk.off()
    assert response.status_code == 500
    assert "Attendance saved." not in response.get_data(as_text=True)
    next_page = client.get(url).get_data(as_text=True)
    assert "Attendance saved." not in next_page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceRecord)) == 0


def test_a_form_with_errors_keeps_nothing_of_its_request(client, auth, network: Network) -> None:  # noqa: F811
    auth.login("editor@example.org")
    response = client.post(f"/manage/series/{network.series.id}/edit",
                           data=series_form(network.org, title="", audience_note="Children"))
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(EventSeries, network.series.id).audience_note != "Children"


def test_a_successful_response_that_drops_changes_is_a_forgotten_commit(app: Flask, client, factory) -> None:
    venue = factory.venue("Hall")

    def renames_without_committing() -> str:
        db.session.get(type(venue), venue.id).name = "Renamed"
        return "done"

    app.add_url_rule("/test-only/forgetful", view_func=renames_without_committing)
    with pytest.raises(RuntimeError, match="changed data without committing"):
        client.get("/test-only/forgetful")
    db.session.rollback()
    assert fresh_name(venue) == "Hall"


def fresh_name(venue) -> str:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.get(type(venue), venue.id).name
