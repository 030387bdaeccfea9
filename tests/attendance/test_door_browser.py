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
    # Screen readers: the total is a polite, atomic live region; problems go to a status region.
    assert total.get_attribute("aria-live") == "polite" and total.get_attribute("aria-atomic") == "true"
    assert phone.find_element(By.ID, "door-status").get_attribute("role") == "status"
    plus = phone.find_element(By.CSS_SELECTOR, ".door-plus")
    minus = phone.find_element(By.CSS_SELECTOR, ".door-minus")
    assert plus.size["height"] >= 80 and plus.size["width"] >= 150  # thumb-sized on a 390 px screen
    # Readable in sunlight: black on white, a white-on-black +1, and a large total.
    body = phone.find_element(By.TAG_NAME, "body")
    assert body.value_of_css_property("background-color") in ("rgba(255, 255, 255, 1)", "rgb(255, 255, 255)")
    assert total.value_of_css_property("color") in ("rgba(0, 0, 0, 1)", "rgb(0, 0, 0)")
    assert plus.value_of_css_property("background-color") in ("rgba(0, 0, 0, 1)", "rgb(0, 0, 0)")
    assert plus.value_of_css_property("color") in ("rgba(255, 255, 255, 1)", "rgb(255, 255, 255)")
    assert float(total.value_of_css_property("font-size").removesuffix("px")) >= 48
    for button in (plus, plus, plus):
        button.click()
    # Taps go one after another, so the total only reaches 3 once all three are in.
    WebDriverWait(phone, 15).until(lambda d: d.find_element(By.ID, "door-total").text == "3")
    minus.click()
    WebDriverWait(phone, 15).until(lambda d: d.find_element(By.ID, "door-total").text == "2")
    assert client.get(f"{path}/state").get_json()["total"] == 2
    # Another volunteer at another door: the phone shows it within a few seconds.
    client.post(f"{path}/tap", json={"delta": 1, "tap_id": str(uuid.uuid4())})
    # The live region itself changes, so screen readers announce the new total.
    WebDriverWait(phone, 8).until(lambda d: d.find_element(By.ID, "door-total").text == "3")
    problems = [entry["message"] for entry in phone.get_log("browser") if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]]
    assert problems == []


def test_other_volunteers_category_taps_appear(app, client, network, clock, door_server, phone):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from ink.attendance.service import add_category

    children = add_category(network.series, "Children")
    add_category(network.series, "Adults")
    link = create_door_link(network.today(), user=network.editor, now=clock.now())
    db.session.commit()
    path = f"/door/{door_link_token(link)}"
    phone.get(door_server + path)
    assert len(phone.find_elements(By.CSS_SELECTOR, ".door-plus")) == 2
    for _ in range(2):
        client.post(f"{path}/tap", json={"delta": 1, "category": children.id, "tap_id": str(uuid.uuid4())})
    selector = f'.door-category-count[data-category="{children.id}"]'
    WebDriverWait(phone, 8).until(lambda d: d.find_element(By.CSS_SELECTOR, selector).text == "2")
    assert phone.find_element(By.ID, "door-total").text == "2"


def test_buttons_are_named_by_their_text_and_a_refused_minus_is_said(app, client, network, clock, door_server, phone):  # type: ignore[no-untyped-def]
    """Regression (issue #8): the accessible name hid the visible "−1" (WCAG 2.5.3), and a −1 at zero
    was silently ignored."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from ink.attendance.models import CategoryKind
    from ink.attendance.service import add_category

    adults = add_category(network.series, "Adults")
    add_category(network.series, "First visit", CategoryKind.TALLY)
    link = create_door_link(network.today(), user=network.editor, now=clock.now())
    db.session.commit()
    phone.get(door_server + f"/door/{door_link_token(link)}")
    minus = phone.find_element(By.CSS_SELECTOR, f'.door-minus[data-category="{adults.id}"]')
    plus = phone.find_element(By.CSS_SELECTOR, f'.door-plus[data-category="{adults.id}"]')
    assert minus.accessible_name == "−1 Adults" and plus.accessible_name == "+1 Adults"
    # On screen only "−1": the category's name is in a visually hidden span.
    assert minus.find_element(By.CSS_SELECTOR, ".visually-hidden").size["width"] <= 1
    minus.click()
    status = phone.find_element(By.ID, "door-status")
    WebDriverWait(phone, 8).until(lambda d: status.text == "Adults is already at 0.")
    assert status.get_attribute("role") == "status"
    plus.click()
    WebDriverWait(phone, 8).until(lambda d: d.find_element(By.ID, "door-total").text == "1")
    assert status.text == ""
    # A first visit is counted beside the total, not in it.
    phone.find_element(By.CSS_SELECTOR, ".is-tally .door-plus").click()
    WebDriverWait(phone, 8).until(lambda d: d.find_element(By.CSS_SELECTOR, ".is-tally .door-category-count").text == "1")
    assert phone.find_element(By.ID, "door-total").text == "1"
