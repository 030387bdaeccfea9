"""In a real browser: the subscribe page's copy button (ink/static/subscribe.js).

The script copies with the Clipboard API and then shows "Copied" on the button for two seconds;
when the clipboard refuses, it selects the link in the field so that the resident can copy it by
hand. Headless Chromium's clipboard is controlled here through the DevTools protocol, so both
paths are exercised deterministically.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

LINK = "https://ink.example.org/calendar.ics"
REFUSE_CLIPBOARD = """
Object.defineProperty(navigator, "clipboard", {value: {
  writeText: function () { return Promise.reject(new DOMException("denied", "NotAllowedError")); }
}});
"""


def _open(browser, live_server, path: str = "/subscribe"):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    browser.get(live_server.url + path)
    field = browser.find_element(By.ID, "feed-url")
    button = browser.find_element(By.CSS_SELECTOR, "button[data-copy-target='feed-url']")
    return field, button


def _label(browser) -> str:  # type: ignore[no-untyped-def]
    return browser.execute_script(
        "return document.querySelector(\"button[data-copy-target='feed-url']\").textContent.trim()")


def test_copy_button_copies_the_link_and_says_so(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": live_server.url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    field, button = _open(browser, live_server, "/subscribe")
    assert field.get_attribute("value") == LINK
    assert _label(browser) == "Copy link"
    button.click()
    WebDriverWait(browser, 10).until(lambda driver: _label(driver) == "Copied")
    copied = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.clipboard.readText().then(done, (error) => done('refused: ' + error));")
    assert copied == LINK
    # the feedback is temporary: the button gets its own label back
    WebDriverWait(browser, 10).until(lambda driver: _label(driver) == "Copy link")
    # no script error and no CSP refusal (a missing favicon is not the page's business)
    assert not [entry for entry in browser.get_log("browser")
                if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]]


def test_refused_clipboard_leaves_the_link_selected(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": REFUSE_CLIPBOARD})
    field, button = _open(browser, live_server, "/subscribe?lang=en")
    button.click()

    def selected(driver) -> str:  # type: ignore[no-untyped-def]
        return driver.execute_script(
            "const f = document.getElementById('feed-url');"
            "return document.activeElement === f ? f.value.substring(f.selectionStart, f.selectionEnd) : '';")

    WebDriverWait(browser, 10).until(lambda driver: selected(driver) == field.get_attribute("value"))
    assert selected(browser) == LINK
    assert _label(browser) == "Copy link"  # no false "Copied"
