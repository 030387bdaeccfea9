"""The door counter in headless Chromium on a phone-sized window: taps, retries of nothing lost,
other volunteers' taps appearing, and no CSP violations (the page's JS is a static file)."""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from ink.attendance.service import create_door_link, door_link_token
from ink.extensions import db

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture
def door_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def phone() -> Iterator[object]:
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromedriver are required in CI")
        pytest.skip("chromium/chromedriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="ink-door-chromium-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=390,844", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


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
