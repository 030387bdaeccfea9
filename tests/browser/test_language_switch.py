"""In a real browser: the language switch works and is remembered across pages."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_switching_language_is_remembered(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(live_server.url + "/organisations/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    Select(browser.find_element(By.ID, "language-select")).select_by_value("nb")
    browser.find_element(By.CSS_SELECTOR, ".language-switch button").click()
    # Read the attribute by script: an element found before the navigation would go stale.
    WebDriverWait(browser, 10).until(lambda driver: driver.execute_script("return document.documentElement.lang") == "nb")
    assert browser.current_url.endswith("/organisations/")
    browser.get(live_server.url + "/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nb"
