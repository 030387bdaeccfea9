"""In a real browser at phone width (390 px): the outbox page never scrolls sideways; its table scrolls
inside its own region, and the status filters are plain links without list markers over them."""
from __future__ import annotations

from datetime import timedelta

import pytest

from ink.extensions import db
from ink.reminders.models import MessageKind, MessageStatus, OutboxMessage
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_outbox_fits_a_phone(live_server, browser, factory, clock, tmp_path):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    factory.coordinator()
    for number in range(12):
        db.session.add(OutboxMessage(
            kind=MessageKind.CHANGE_NOTICE.value, ref=f"occ:{number}", locale="en",
            recipient=f"a-rather-long-address-{number}@intercultural-network.example.org",
            payload={"change": "moved", "title": "Norwegian conversation café for newcomers"},
            status=MessageStatus.FAILED, due_at=clock.now() + timedelta(hours=number), attempts=8, created_at=clock.now(),
            last_error="550 5.1.1 <a-rather-long-address@intercultural-network.example.org>: Recipient address rejected",
        ))
    db.session.commit()
    browser.get(live_server.url + "/login")
    browser.find_element(By.ID, "email").send_keys("coordinator@example.org")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda _: "/login" not in browser.current_url)
    # Headless Chromium keeps windows at least 500 px wide: emulate the phone's viewport instead.
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    browser.get(live_server.url + "/manage/outbox")
    assert "Changed: Norwegian conversation café for newcomers" in browser.page_source

    browser.save_screenshot(str(tmp_path / "outbox-390.png"))
    inner, scroll = browser.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth];")
    assert inner == 390 and scroll <= inner  # no horizontal page overflow

    region = browser.find_element(By.CSS_SELECTOR, ".table-scroll[role=region]")
    assert region.get_attribute("aria-labelledby") == "outbox-caption"
    assert browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth;", region)
    region_focused = browser.execute_script("arguments[0].focus(); return document.activeElement === arguments[0];", region)
    assert region_focused  # keyboard users can scroll it

    markers = browser.execute_script(
        "return Array.from(document.querySelectorAll('.status-filters li'))"
        ".map(li => getComputedStyle(li).listStyleType);")
    assert markers and set(markers) == {"none"}
    rects = browser.execute_script(
        "return Array.from(document.querySelectorAll('.status-filters a')).map(a => a.getBoundingClientRect().toJSON());")
    for first, second in zip(rects, rects[1:]):
        overlap_x = min(first["right"], second["right"]) - max(first["left"], second["left"])
        overlap_y = min(first["bottom"], second["bottom"]) - max(first["top"], second["top"])
        assert overlap_x <= 0 or overlap_y <= 0  # neighbouring filter links do not overlap
