"""The door counter in headless Chromium on a phone-sized window: taps, retries of nothing lost,
other volunteers' taps appearing, and no CSP violations (the page's JS is a static file)."""
from __future__ import annotations

import uuid

import pytest

from ink.attendance.service import create_door_link, door_link_token
from ink.extensions import db

pytestmark = pytest.mark.browser

@pytest.fixture
def door_server(live_server) -> str:  # type: ignore[no-untyped-def]
    return live_server.url


@pytest.fixture
def phone(browser):  # type: ignore[no-untyped-def]
    """The shared headless Chromium: its window is phone-sized (390 x 844)."""
    return browser


def test_volunteer_counts_on_a_phone(app, client, network, clock, door_server, phone):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    link = create_door_link(network.today(), user=network.editor, now=clock.now())
    db.session.commit()
    path = f"/door/{door_link_token(link)}"
    phone.get(door_server + path)
    total = phone.find_element(By.ID, "door-total")
    assert total.get_attribute("aria-live") == "polite"
    plus = phone.find_element(By.CSS_SELECTOR, ".door-plus")
    minus = phone.find_element(By.CSS_SELECTOR, ".door-minus")
    assert plus.size["height"] >= 80 and plus.size["width"] >= 150  # thumb-sized on a 390 px screen
    for button in (plus, plus, plus):
        button.click()
    # Taps go one after another, so the total only reaches 3 once all three are in.
    WebDriverWait(phone, 15).until(lambda d: d.find_element(By.ID, "door-total").text == "3")
    minus.click()
    WebDriverWait(phone, 15).until(lambda d: d.find_element(By.ID, "door-total").text == "2")
    assert client.get(f"{path}/state").get_json()["total"] == 2
    # Another volunteer at another door: the phone shows it within a few seconds.
    client.post(f"{path}/tap", json={"delta": 1, "tap_id": str(uuid.uuid4())})
    WebDriverWait(phone, 8).until(lambda d: d.find_element(By.ID, "door-total").text == "3")
    problems = [entry["message"] for entry in phone.get_log("browser") if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]]
    assert problems == []
