"""In a real browser: the series form shows the options that apply and previews the schedule live."""
from __future__ import annotations

import pytest

from tests.events.manage_helpers import sign_in_browser

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}  # the live preview must send its token in a header


def test_live_preview_and_repeat_options(live_server, browser, factory):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    org = factory.organisation("Library")
    factory.user("editor@example.org", editor_of=[org])
    sign_in_browser(browser, live_server.url, "editor@example.org")
    browser.get(live_server.url + "/manage/series/new")

    weekdays = browser.find_element(By.ID, "weekdays")
    assert not weekdays.is_displayed()  # "Does not repeat" is chosen: no weekday boxes
    browser.execute_script("document.getElementById('date').value = '2026-06-09';"
                           "document.getElementById('start_time').value = '17:00';"
                           "document.getElementById('end_time').value = '19:00';")
    browser.find_element(By.CSS_SELECTOR, "label[for=freq-2]").click()  # Weekly
    assert weekdays.is_displayed()
    assert not browser.find_element(By.ID, "monthly_mode").is_displayed()
    browser.find_element(By.CSS_SELECTOR, "label[for=weekdays-1]").click()  # Tuesday
    browser.find_element(By.CSS_SELECTOR, "label[for=weekdays-3]").click()  # Thursday

    summary = browser.find_element(By.ID, "preview-summary")
    WebDriverWait(browser, 15).until(lambda _: "Every Tuesday and Thursday, 17:00–19:00" in summary.text)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#preview-dates li")) == 8

    browser.execute_script("document.getElementById('end_time').value = '16:00';"
                           "document.getElementById('end_time').dispatchEvent(new Event('change', {bubbles: true}));")
    WebDriverWait(browser, 15).until(lambda _: "after the start" in summary.text)
    assert browser.find_elements(By.CSS_SELECTOR, "#preview-dates li") == []
