"""Copy to next year: a one-off or an ending yearly event becomes a draft a year later, through HTTP."""
from __future__ import annotations

from datetime import date, datetime
from html import unescape

import pytest
import sqlalchemy as sa

from ink.attendance import service as attendance
from ink.attendance.models import AttendanceRecord, CountMethod, DoorLink
from ink.events.copying import same_date_next_year, same_weekday_next_year
from ink.events.models import Audience, EventSeries, Occurrence, SeriesStatus
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.reminders import service as reminders
from ink.reminders.models import Subscription, TargetKind
from tests.events.manage_helpers import page_csrf_token, sign_in_with_csrf


@pytest.fixture
def world_day(factory, clock):  # type: ignore[no-untyped-def]
    """Children's World Day 2026: a one-off on Saturday 14 March (the second Saturday), past, with a
    count, a door link and a subscriber; organised by the Library with a co-organiser and topics."""
    topics = factory.topics()
    library = factory.organisation("Library")
    partner = factory.organisation("Partner club")
    factory.user("editor@example.org", editor_of=[library])
    factory.user("partner@example.org", editor_of=[partner])
    hall = factory.venue("Library hall")
    series = factory.series(
        organisation=library, title="Children's World Day 2026", start_local=datetime(2026, 3, 14, 11, 0),
        duration_minutes=300, venue=hall, coorganisers=[partner], topics=topics[:2], languages=["nb", "pl"],
        audiences=[Audience.CHILDREN, Audience.FAMILIES], audience_note="Children with an adult", age_min=3,
        age_max=12, is_drop_in=True, registration_url="https://example.org/register",
        description_html="<p>Games and <strong>food</strong> from everywhere</p>",
    )
    occ = series.occurrences[0]
    attendance.record_attendance(occ, total=240, method=CountMethod.HEAD_COUNT, user=None, now=clock.now())
    reminders.subscribe("resident@example.org", kind=TargetKind.SERIES, target_id=series.id, now=clock.now())
    db.session.commit()
    return series


def _copies(original: EventSeries) -> list[EventSeries]:
    return list(db.session.scalars(sa.select(EventSeries).where(EventSeries.id != original.id,
                                                                 EventSeries.organisation_id == original.organisation_id)))


def test_the_event_page_offers_the_same_date_and_the_same_weekday(client, auth, world_day):
    auth.login("editor@example.org")
    page = unescape(client.get(f"/manage/series/{world_day.id}").get_data(as_text=True))
    assert "Copy to Sunday 14 March 2027 (same date)" in page
    assert "Copy to Saturday 13 March 2027 (same weekday of the month)" in page
    assert f'action="/manage/series/{world_day.id}/copy-next-year"' in page


def test_copy_keeps_details_co_organisers_and_topics_as_a_draft_next_year(client, auth, world_day):
    auth.login("editor@example.org")
    response = client.post(f"/manage/series/{world_day.id}/copy-next-year", data={"keep": "weekday"})
    [copy] = _copies(world_day)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/manage/series/{copy.id}/edit")
    page = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "A draft for 13 March 2027 is made from Children's World Day 2026." in page
    assert copy.status == SeriesStatus.DRAFT
    assert copy.title == "Children's World Day 2027"
    assert copy.start_local == datetime(2027, 3, 13, 11, 0) and copy.duration_minutes == 300 and copy.rrule is None
    assert copy.coorganisers == world_day.coorganisers and [t.id for t in copy.topics] == [t.id for t in world_day.topics]
    assert (copy.venue, copy.languages, copy.audiences) == (world_day.venue, ["nb", "pl"], world_day.audiences)
    assert (copy.audience_note, copy.age_min, copy.age_max, copy.is_drop_in, copy.registration_url) == (
        "Children with an adult", 3, 12, True, "https://example.org/register")
    assert copy.description_html == world_day.description_html
    assert copy.uid != world_day.uid
    [occ] = copy.occurrences
    assert occ.start_at.date() == date(2027, 3, 13)
    # Nothing that hangs on dates comes along.
    assert db.session.scalar(sa.select(sa.func.count(AttendanceRecord.id)).join(Occurrence)
                             .where(Occurrence.series_id == copy.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count(DoorLink.id)).join(Occurrence)
                             .where(Occurrence.series_id == copy.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count(Subscription.id)).where(
        Subscription.target_kind == TargetKind.SERIES, Subscription.target_id == copy.id)) == 0
    # The original is untouched.
    assert world_day.status == SeriesStatus.PUBLISHED and world_day.title == "Children's World Day 2026"
    assert "Children's World Day 2027" not in client.get("/").get_data(as_text=True)  # a draft: not public


def test_copy_on_the_same_date(client, auth, world_day):
    auth.login("editor@example.org")
    client.post(f"/manage/series/{world_day.id}/copy-next-year", data={"keep": "date"})
    [copy] = _copies(world_day)
    assert copy.start_local == datetime(2027, 3, 14, 11, 0) and copy.is_draft


def test_copying_twice_leads_to_the_first_copy(client, auth, world_day):
    auth.login("editor@example.org")
    first = client.post(f"/manage/series/{world_day.id}/copy-next-year", data={"keep": "date"})
    second = client.post(f"/manage/series/{world_day.id}/copy-next-year", data={"keep": "date"})
    assert len(_copies(world_day)) == 1 and second.headers["Location"] == first.headers["Location"]
    assert "is already copied to 14 March 2027" in unescape(client.get(second.headers["Location"]).get_data(as_text=True))


def test_an_editor_of_another_organisation_cannot_copy(client, auth, world_day):
    auth.login("partner@example.org")  # a co-organiser, not the organiser
    assert client.post(f"/manage/series/{world_day.id}/copy-next-year", data={"keep": "date"}).status_code == 403
    assert _copies(world_day) == []
    assert client.post("/manage/series/999999/copy-next-year", data={"keep": "date"}).status_code == 404


def test_a_coordinator_can_copy(client, auth, factory, world_day):
    factory.coordinator()
    auth.login("coordinator@example.org")
    response = client.post(f"/manage/series/{world_day.id}/copy-next-year", data={"keep": "weekday"})
    assert response.status_code == 302 and len(_copies(world_day)) == 1


@pytest.mark.parametrize("keep", ["", "rule", "sometime", "\x00"])
def test_a_wrong_choice_copies_nothing(client, auth, world_day, keep):
    auth.login("editor@example.org")
    response = client.post(f"/manage/series/{world_day.id}/copy-next-year", data={"keep": keep})
    assert response.status_code in (302, 400) and _copies(world_day) == []


def test_a_weekly_or_never_ending_yearly_event_has_no_copy_button(client, auth, factory, world_day):
    library = world_day.organisation
    weekly = factory.series(organisation=library, title="Café", recurrence=Recurrence(freq="weekly"))
    yearly = factory.series(organisation=library, title="Carnival", recurrence=Recurrence(freq="yearly"))
    auth.login("editor@example.org")
    for series in (weekly, yearly):
        assert "Copy to" not in client.get(f"/manage/series/{series.id}").get_data(as_text=True)
        response = client.post(f"/manage/series/{series.id}/copy-next-year", data={"keep": "date"})
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/manage/series/{series.id}")
    assert {s.title for s in _copies(world_day)} == {"Café", "Carnival"}


def test_an_ending_yearly_rule_is_copied_by_its_rule(client, auth, factory, world_day):
    seminar = factory.series(
        organisation=world_day.organisation, title="Youth seminar", start_local=datetime(2026, 10, 10, 10, 0),
        recurrence=Recurrence(freq="yearly", monthly_mode="nth_weekday", nth=2, end="until", until=date(2026, 12, 31)),
    )
    auth.login("editor@example.org")
    page = unescape(client.get(f"/manage/series/{seminar.id}").get_data(as_text=True))
    assert "Copy to next year: Saturday 9 October 2027" in page
    client.post(f"/manage/series/{seminar.id}/copy-next-year", data={"keep": "rule"})
    copy = db.session.scalars(sa.select(EventSeries).where(EventSeries.title == "Youth seminar",
                                                            EventSeries.id != seminar.id)).one()
    assert copy.is_draft and copy.start_local == datetime(2027, 10, 9, 10, 0)
    assert copy.rrule == "FREQ=YEARLY;BYMONTH=10;BYDAY=2SA;UNTIL=20271231T225959Z"


@pytest.mark.parametrize(("day", "by_date", "by_weekday"), [
    (date(2026, 3, 14), date(2027, 3, 14), date(2027, 3, 13)),  # second Saturday
    (date(2028, 2, 29), date(2029, 2, 28), date(2029, 2, 27)),  # leap day; fifth Tuesday becomes the last
    (date(2026, 5, 30), date(2027, 5, 30), date(2027, 5, 29)),  # fifth Saturday becomes the last
    (date(2026, 12, 1), date(2027, 12, 1), date(2027, 12, 7)),  # first Tuesday
])
def test_date_logic(day, by_date, by_weekday):
    assert same_date_next_year(day) == by_date
    assert same_weekday_next_year(day) == by_weekday and by_weekday.weekday() == day.weekday()


class TestWithCsrf:
    @pytest.fixture
    def app_config(self) -> dict[str, object]:
        return {"WTF_CSRF_ENABLED": True}

    def test_the_copy_needs_the_csrf_token(self, client, world_day):
        sign_in_with_csrf(client, "editor@example.org")
        assert client.post(f"/manage/series/{world_day.id}/copy-next-year", data={"keep": "date"}).status_code == 400
        assert _copies(world_day) == []
        token = page_csrf_token(client, f"/manage/series/{world_day.id}")
        response = client.post(f"/manage/series/{world_day.id}/copy-next-year",
                               data={"keep": "date", "csrf_token": token})
        assert response.status_code == 302 and len(_copies(world_day)) == 1
