"""CSV exports never hand a spreadsheet a formula (OWASP "CSV injection"), and numbers stay numbers."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest

from ink.attendance.models import CountMethod
from ink.attendance.reports import csv_cell, rows_to_csv
from ink.attendance.service import record_attendance
from ink.extensions import db

DANGEROUS = ["=1+2", "+SUM(A1)", "-2+3", "@SUM(1)", "\tx", "\rx", '=HYPERLINK("http://evil.example","x")']


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_like_text_gets_a_leading_quote(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", [0, 12, -3, 2.5, -0.5, "-3", "-12.5", "21.8", "Kafé", "a=b", "", None])
def test_numbers_and_plain_text_are_unchanged(value: object) -> None:
    assert csv_cell(value) == ("" if value is None else value)


def test_rows_to_csv_neutralises_every_cell() -> None:
    raw = rows_to_csv(["=Name", "Total"], [["@evil", -4], ["Ok", "-4"]])
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [["'=Name", "Total"], ["'@evil", "-4"], ["Ok", "-4"]]


def test_exports_neutralise_event_and_organisation_names(client, auth, factory, clock):  # type: ignore[no-untyped-def]
    org = factory.organisation("@Evil org")
    series = factory.series(organisation=org, title='=HYPERLINK("http://evil.example","Click")',
                            start_local=datetime(2026, 5, 5, 18, 0))
    factory.series(organisation=org, title="-Missing+1", start_local=datetime(2026, 5, 6, 18, 0))
    record_attendance(series.occurrences[0], total=12, method=CountMethod.HEAD_COUNT, user=None, now=clock.now())
    db.session.commit()
    factory.coordinator()
    auth.login("coordinator@example.org")

    def rows(url: str) -> list[list[str]]:
        response = client.get(url)
        assert response.status_code == 200
        return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))

    organisations = rows("/manage/attendance/reports/?format=csv&table=organisations&start=2026-01-01&end=2026-12-31")
    assert organisations[1] == ["'@Evil org", "2", "0", "1", "12", "12.0"]
    missing = rows("/manage/attendance/reports/?format=csv&table=missing&start=2026-01-01&end=2026-12-31")
    assert missing[1][1:] == ["'-Missing+1", "'@Evil org"]
    by_series = rows(f"/manage/attendance/series/{series.id}/report?format=csv")
    assert by_series[1][2] == "12"
    every_cell = [cell for table in (organisations, missing, by_series) for row in table for cell in row]
    assert not [cell for cell in every_cell if cell[:1] in ("=", "+", "@", "\t", "\r")
                or (cell.startswith("-") and not cell.lstrip("-").replace(".", "").isdigit())]
