"""Report figures against totals computed by hand on a small network with co-organised,
cancelled, draft, future and out-of-period occurrences."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
import sqlalchemy as sa

from ink.attendance.models import CountMethod
from ink.attendance.service import record_attendance
from ink.events.models import Occurrence, SeriesStatus
from ink.events.recurrence import Recurrence
from ink.events.service import cancel_occurrence, cancel_series
from ink.extensions import db
from ink.organisations.models import Topic


def occurrences(series) -> list[Occurrence]:  # type: ignore[no-untyped-def]
    return list(db.session.scalars(sa.select(Occurrence).where(Occurrence.series_id == series.id)
                                   .order_by(Occurrence.start_at)))


def count(occ, n, clock, user=None):  # type: ignore[no-untyped-def]
    record_attendance(occ, total=n, method=CountMethod.HEAD_COUNT, user=user, now=clock.now())


@pytest.fixture
def fixture_network(factory, clock):  # type: ignore[no-untyped-def]
    a = factory.organisation("Kafé Ærlig")
    b = factory.organisation("Språkvenn")
    c = factory.organisation("Østkanten")
    language, culture = Topic(slug="language", name="Language"), Topic(slug="culture", name="Culture")
    db.session.add_all([language, culture])
    db.session.commit()
    s1 = factory.series(organisation=a, coorganisers=[b], topics=[language], is_drop_in=True, title="Språkkafé",
                        start_local=datetime(2026, 3, 3, 18, 0), recurrence=Recurrence(freq="weekly", end="count", count=4))
    s2 = factory.series(organisation=b, topics=[culture, language], title="Concert", start_local=datetime(2026, 4, 10, 12, 0))
    s3 = factory.series(organisation=c, is_drop_in=True, title="Carnival", start_local=datetime(2026, 2, 14, 12, 0))
    s4 = factory.series(organisation=a, title="Draft", start_local=datetime(2026, 5, 1, 12, 0), status=SeriesStatus.DRAFT)
    s5 = factory.series(organisation=c, is_drop_in=True, title="Last year", start_local=datetime(2025, 12, 31, 20, 0))
    s6 = factory.series(organisation=a, title="Kites", start_local=datetime(2026, 9, 1, 12, 0))
    s7 = factory.series(organisation=c, is_drop_in=True, title="New Year", start_local=datetime(2026, 1, 1, 0, 30))
    mar3, mar10, mar17, mar24 = occurrences(s1)
    count(mar3, 10, clock)
    count(mar10, 20, clock)
    count(mar17, 15, clock)
    cancel_occurrence(mar17, reason="Storm", now=clock.now())  # cancelled after counting: excluded
    count(occurrences(s2)[0], 50, clock)
    count(occurrences(s4)[0], 1000, clock)  # a draft never counts
    count(occurrences(s5)[0], 99, clock)  # 2025 (Oslo time): outside the period
    count(occurrences(s7)[0], 7, clock)  # 00:30 on 1 January in Oslo is 2025 in UTC: still 2026
    cancel_series(s3, reason="Rain", now=clock.now())
    db.session.commit()
    _ = s6
    return {"a": a, "b": b, "c": c, "s1": s1}


def figures(row) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    return (row.held, row.cancelled, row.counted, row.total)


def test_network_figures_match_hand_computed_totals(app, fixture_network, clock):  # type: ignore[no-untyped-def]
    from ink.attendance.reports import calendar_year, range_report

    with app.test_request_context():  # labels are translated
        report = range_report(calendar_year(2026), now=clock.now(), tz="Europe/Oslo")
    assert figures(report.totals) == (5, 2, 4, 87)
    assert report.totals.average == pytest.approx(21.75)
    assert report.totals.missing == 1
    months = {row.key.month: figures(row) for row in report.months}
    assert len(report.months) == 12
    assert months[1] == (1, 0, 1, 7)
    assert months[2] == (0, 1, 0, 0)
    assert months[3] == (3, 1, 2, 30)
    assert months[4] == (1, 0, 1, 50)
    assert all(months[m] == (0, 0, 0, 0) for m in (5, 6, 7, 8, 9, 10, 11, 12))
    orgs = {row.label: figures(row) for row in report.organisations}
    assert orgs == {"Kafé Ærlig": (3, 1, 2, 30), "Språkvenn": (4, 1, 3, 80), "Østkanten": (1, 1, 1, 7)}
    topics = {row.label: figures(row) for row in report.topics}
    assert topics == {"Language": (4, 1, 3, 80), "Culture": (1, 0, 1, 50), "No topic": (1, 1, 1, 7)}
    formats = {row.label: figures(row) for row in report.formats}
    assert formats == {"Drop-in": (4, 2, 3, 37), "Registration": (1, 0, 1, 50)}
    assert [o.series.title for o in report.missing] == ["Språkkafé"]


def test_organisation_report_credits_co_organised_events(app, fixture_network, clock):  # type: ignore[no-untyped-def]
    from ink.attendance.reports import calendar_year, range_report

    with app.test_request_context():
        report = range_report(calendar_year(2026), now=clock.now(), tz="Europe/Oslo", organisation=fixture_network["b"])
    assert figures(report.totals) == (4, 1, 3, 80)


def test_network_report_page_and_csv(client, auth, factory, fixture_network):  # type: ignore[no-untyped-def]
    factory.coordinator()
    auth.login("coordinator@example.org")
    page = client.get("/manage/attendance/reports/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "<table" in html and "Språkvenn" in html
    response = client.get("/manage/attendance/reports/?format=csv&table=organisations&start=2026-01-01&end=2026-12-31")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets then read UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Held", "Cancelled", "Counted", "Total attendance", "Average"]
    assert ["Språkvenn", "4", "1", "3", "80", "26.7"] in rows
    assert ["Østkanten", "1", "1", "1", "7", "7.0"] in rows
    for table in ("totals", "months", "topics", "formats", "missing"):
        csv_response = client.get(f"/manage/attendance/reports/?format=csv&table={table}")
        assert csv_response.status_code == 200 and csv_response.get_data().startswith(b"\xef\xbb\xbf")
    assert client.get("/manage/attendance/reports/?format=csv&table=nope").status_code == 400


def totals_csv(client, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    raw = client.get(f"/manage/attendance/reports/?format=csv&table=totals{query}").get_data()
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))[1]


def test_default_period_is_the_calendar_year_and_any_range_works(client, auth, factory, fixture_network):  # type: ignore[no-untyped-def]
    factory.coordinator()
    auth.login("coordinator@example.org")
    html = client.get("/manage/attendance/reports/").get_data(as_text=True)
    assert 'name="start" value="2026-01-01"' in html and 'name="end" value="2026-12-31"' in html
    assert totals_csv(client, "") == ["Total", "5", "2", "4", "87", "21.8"]
    # March only: the café's three Tuesdays held (one cancelled as well), 10 + 20 counted.
    assert totals_csv(client, "&start=2026-03-01&end=2026-03-31") == ["Total", "3", "1", "2", "30", "15.0"]
    b = fixture_network["b"]
    org = client.get(f"/manage/attendance/reports/organisations/{b.id}?format=csv&table=totals&start=2026-04-01&end=2026-04-30")
    assert list(csv.reader(io.StringIO(org.get_data().decode("utf-8-sig"))))[1] == ["Total", "1", "0", "1", "50", "50.0"]


def test_period_validation(client, auth, factory, fixture_network):  # type: ignore[no-untyped-def]
    factory.coordinator()
    auth.login("coordinator@example.org")
    assert client.get("/manage/attendance/reports/?start=2026-13-01").status_code == 422
    assert client.get("/manage/attendance/reports/?start=2026-05-01&end=2026-04-01").status_code == 422
    assert client.get("/manage/attendance/reports/?start=2026-03-01&end=2026-03-31").status_code == 200


def test_annual_report_is_printable(client, auth, factory, fixture_network):  # type: ignore[no-untyped-def]
    factory.coordinator()
    auth.login("coordinator@example.org")
    response = client.get("/manage/attendance/reports/annual?year=2026")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "attendance.css" in html and 'class="printable"' in html
    assert "87" in html and "21.8" in html


def test_series_report(client, auth, factory, fixture_network):  # type: ignore[no-untyped-def]
    factory.coordinator()
    auth.login("coordinator@example.org")
    s1 = fixture_network["s1"]
    response = client.get(f"/manage/attendance/series/{s1.id}/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Cancelled" in html and "15.0" in html  # average of 10 and 20
    assert "<polyline" in html and 'role="img"' in html
    csv_rows = list(csv.reader(io.StringIO(
        client.get(f"/manage/attendance/series/{s1.id}/report?format=csv").get_data().decode("utf-8-sig"))))
    assert [row[1:3] for row in csv_rows[1:]] == [["", "10"], ["", "20"], ["cancelled", "15"], ["", ""]]


def test_report_query_count_does_not_grow_with_data(app, client, auth, factory, fixture_network, clock):  # type: ignore[no-untyped-def]
    factory.coordinator()
    auth.login("coordinator@example.org")
    statements: list[str] = []

    def counter(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def measure() -> int:
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", counter)
        try:
            assert client.get("/manage/attendance/reports/").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counter)
        return len(statements)

    before = measure()
    for i in range(6):
        series = factory.series(organisation=factory.organisation(f"Extra {i}"), is_drop_in=True,
                                start_local=datetime(2026, 1, 6 + i, 18, 0),
                                recurrence=Recurrence(freq="weekly", end="count", count=5))
        for occ in occurrences(series)[:3]:
            count(occ, 5, clock)
    db.session.commit()
    assert measure() == before
    assert before <= 15


def test_report_numbers_follow_the_interface_language(client, auth, factory, fixture_network):  # type: ignore[no-untyped-def]
    # 21.75 people on average: "21.8" in English, "21,8" in Bokmål and Polish; the CSV keeps "21.8".
    factory.coordinator()
    auth.login("coordinator@example.org")
    pages = {}
    for lang in ("en", "nb", "pl"):
        client.set_cookie("ink_lang", lang)
        pages[lang] = client.get("/manage/attendance/reports/annual?year=2026").get_data(as_text=True)
    assert "21.8" in pages["en"] and "21,8" not in pages["en"]
    assert "21,8" in pages["nb"] and "21.8" not in pages["nb"]
    assert "21,8" in pages["pl"]
