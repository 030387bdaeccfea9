"""Reports in headless Chromium: tables scroll inside a focusable region on a phone, and the
printed annual report is compact (Chromium's own print to PDF, A4, pages counted)."""
from __future__ import annotations

import base64
import re
from datetime import datetime

import pytest

from ink.attendance.models import CountMethod
from ink.attendance.service import record_attendance
from ink.events.recurrence import Recurrence
from ink.extensions import db
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

A4 = {"paperWidth": 8.27, "paperHeight": 11.69, "marginTop": 0.4, "marginBottom": 0.4,
      "marginLeft": 0.4, "marginRight": 0.4, "printBackground": False}


@pytest.fixture
def busy_year(factory, clock):  # type: ignore[no-untyped-def]
    """A year of a network: eight organisations, every topic, weekly and monthly events, all counted."""
    topics = factory.topics()
    for i in range(8):
        org = factory.organisation(f"Organisation number {i + 1} with a long name")
        weekly = factory.series(organisation=org, title=f"Weekly café {i + 1}", is_drop_in=i % 2 == 0,
                                topics=[topics[i % len(topics)]], start_local=datetime(2026, 1, 6 + i % 5, 18, 0),
                                recurrence=Recurrence(freq="weekly", end="count", count=20))
        monthly = factory.series(organisation=org, title=f"Monthly meeting {i + 1}",
                                 topics=[topics[(i + 3) % len(topics)]], start_local=datetime(2026, 1, 15, 12, 0),
                                 recurrence=Recurrence(freq="monthly", end="count", count=5))
        for n, occ in enumerate(list(weekly.occurrences) + list(monthly.occurrences)):
            if occ.start_at <= clock.now() and n % 4:
                record_attendance(occ, total=5 + n, method=CountMethod.HEAD_COUNT, user=None, now=clock.now())
    db.session.commit()
    factory.coordinator()


def sign_in(browser, base_url: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base_url + "/login")
    browser.find_element(By.ID, "email").send_keys("coordinator@example.org")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda d: "/login" not in d.current_url)


def pdf_pages(browser) -> int:  # type: ignore[no-untyped-def]
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", A4)["data"])
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def test_printed_annual_report_is_compact(busy_year, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    sign_in(browser, live_server.url)
    browser.get(live_server.url + "/manage/attendance/reports/annual?year=2026")
    assert "2026" in browser.title
    pages = pdf_pages(browser)
    assert pages <= 2  # four before the print layout (issue #8), two after


def test_report_tables_scroll_inside_a_focusable_region_on_a_phone(busy_year, live_server, browser) -> None:  # type: ignore[no-untyped-def]
    """Regression (issue #8): on a 390 px phone the tables widened the page instead of scrolling."""
    from selenium.webdriver.common.by import By

    sign_in(browser, live_server.url)
    browser.get(live_server.url + "/manage/attendance/reports/")
    regions = browser.find_elements(By.CSS_SELECTOR, ".table-scroll")
    assert len(regions) >= 4
    viewport = browser.execute_script("return document.documentElement.clientWidth")
    for region in regions:
        assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
        assert region.get_attribute("aria-label")
        assert region.rect["x"] + region.rect["width"] <= viewport + 1
        assert region.value_of_css_property("overflow-x") in ("auto", "scroll")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= viewport  # the page does not scroll sideways
    widest = max(regions, key=lambda r: browser.execute_script("return arguments[0].scrollWidth", r))
    assert browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth", widest)
    # A keyboard user can focus the region and scroll it with the arrow keys.
    browser.execute_script("arguments[0].focus()", widest)
    assert browser.switch_to.active_element == widest
