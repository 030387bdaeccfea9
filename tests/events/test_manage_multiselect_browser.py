"""In a real browser: long checkbox lists of the event form (co-organisers, topics, languages) become
searchable multi-selects, so the keyboard reaches Save in a few Tab presses; the data sent is unchanged."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ink.events.models import EventSeries
from ink.extensions import db
from tests.events.manage_helpers import sign_in_browser

pytestmark = pytest.mark.browser

SAVE = "document.querySelector('.series-form .actions button.primary')"


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True}


def _tabs_from_title_to_save(browser) -> int:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.find_element(By.ID, "title").click()
    for presses in range(1, 400):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.execute_script(f"return document.activeElement === {SAVE};"):
            return presses
    raise AssertionError("Tab never reached Save")


def test_tab_count_and_choosing_a_language_by_keyboard(live_server, browser, factory, tmp_path):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    org = factory.organisation("Library")
    for number in range(12):
        factory.organisation(f"Partner {number}")
    factory.topics()
    factory.user("editor@example.org", editor_of=[org])
    sign_in_browser(browser, live_server.url, "editor@example.org")

    # Without JavaScript every checkbox is a Tab stop.
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    browser.get(live_server.url + "/manage/series/new")
    assert browser.find_element(By.CSS_SELECTOR, "#languages ul.choices").is_displayed()
    without_js = _tabs_from_title_to_save(browser)
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    browser.get(live_server.url + "/manage/series/new")
    WebDriverWait(browser, 15).until(lambda _: browser.find_elements(By.ID, "languages-ms-input"))
    with_js = _tabs_from_title_to_save(browser)
    print(f"Tab presses from the title to Save: {without_js} without JavaScript, {with_js} with it")
    # (Chromium gives each date and time input four stops of its own: day, month, year and its picker;
    # the eight audiences stay plain checkboxes: a short fixed set reads better that way.)
    assert without_js > 100 and with_js < 40

    browser.find_element(By.ID, "title").send_keys("Polish story time")
    browser.execute_script("document.getElementById('date').value = '2026-06-09';"
                           "document.getElementById('start_time').value = '17:00';"
                           "document.getElementById('end_time').value = '18:00';")
    combobox = browser.find_element(By.ID, "languages-ms-input")
    assert combobox.get_attribute("role") == "combobox" and combobox.get_attribute("aria-expanded") == "false"
    combobox.click()
    combobox.send_keys(Keys.ESCAPE)  # closes the list the click opened
    combobox.send_keys("pol")
    listbox = browser.find_element(By.ID, "languages-ms-listbox")
    shown = [el.text for el in listbox.find_elements(By.CSS_SELECTOR, "[role=option]") if el.is_displayed()]
    assert shown == ["Polish (pl)"]
    combobox.send_keys(Keys.ARROW_DOWN)
    active = combobox.get_attribute("aria-activedescendant")
    assert active and browser.find_element(By.ID, active).text == "Polish (pl)"
    combobox.send_keys(Keys.ENTER)  # chooses; does not submit the form
    assert browser.find_element(By.ID, active).get_attribute("aria-selected") == "true"
    chips = browser.find_elements(By.CSS_SELECTOR, "#languages .ms-chip")
    assert [chip.find_element(By.TAG_NAME, "span").text for chip in chips] == ["Polish (pl)"]
    assert browser.execute_script("return document.querySelector('#languages input[value=pl]').checked;")
    assert "/manage/series/new" in browser.current_url

    # The focused option is visibly marked.
    combobox.send_keys(Keys.ARROW_DOWN)
    outline = browser.execute_script(
        "return getComputedStyle(document.getElementById(arguments[0])).outlineStyle;", active)
    assert outline == "solid"
    combobox.send_keys(Keys.ESCAPE)

    ActionChains(browser).send_keys(Keys.TAB).perform()  # the Tab leaves the combobox for the next field
    browser.execute_script(f"{SAVE}.focus();")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    WebDriverWait(browser, 15).until(lambda _: "/manage/series/new" not in browser.current_url)
    db.session.expire_all()
    series = db.session.scalars(sa.select(EventSeries).where(EventSeries.title == "Polish story time")).one()
    assert series.languages == ["pl"]

    # Editing: the chosen language shows as a chip; its remove button works from the keyboard.
    browser.get(live_server.url + f"/manage/series/{series.id}/edit")
    remove = WebDriverWait(browser, 15).until(
        lambda _: browser.find_elements(By.CSS_SELECTOR, "#languages .ms-chip button.ms-remove"))[0]
    assert remove.get_attribute("aria-label") == "Remove Polish (pl)"
    browser.find_element(By.ID, "topics").screenshot(str(tmp_path / "topics.png"))
    browser.find_element(By.ID, "languages").screenshot(str(tmp_path / "languages.png"))
    browser.execute_script("arguments[0].focus();", remove)
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    assert browser.find_elements(By.CSS_SELECTOR, "#languages .ms-chip") == []
    assert browser.switch_to.active_element.get_attribute("id") == "languages-ms-input"
    browser.execute_script(f"{SAVE}.focus();")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    WebDriverWait(browser, 15).until(lambda _: "/edit" not in browser.current_url)
    db.session.expire_all()
    assert series.languages == []
