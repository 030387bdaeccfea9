"""In a real browser, with the keyboard only: Tab reaches the programme's quick dates and view switcher in
a logical order (the document's), Enter follows them; the filter form opens, Space ticks a checkbox and
Enter submits; the focused element always shows a :focus-visible outline."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

import pytest

pytestmark = pytest.mark.browser

# The focused element, as "tag|text|href" (an input by its name and value).
DESCRIBE = """
const el = document.activeElement;
const text = (el.tagName === 'INPUT' ? el.name + '=' + el.value : el.textContent).trim().replace(/\\s+/g, ' ');
return el.tagName.toLowerCase() + '|' + text + '|' + (el.getAttribute('href') || '');
"""
# Whether the focused element matches :focus-visible and draws an outline.
FOCUS_VISIBLE = """
const el = document.activeElement;
const style = getComputedStyle(el);
return el.matches(':focus-visible') && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
"""
# Whether the element focused now comes after the one focused before in document order.
FOLLOWS = "return !!(arguments[0].compareDocumentPosition(document.activeElement) & Node.DOCUMENT_POSITION_FOLLOWING);"


def tab_until(browser, wanted: str, limit: int = 80) -> list[str]:  # type: ignore[no-untyped-def]
    """Press Tab until the focused element's text is ``wanted``; every step must show its focus and move
    forward in the document. Returns the texts focused on the way."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    seen: list[str] = []
    previous = None
    for _ in range(limit):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        description = browser.execute_script(DESCRIBE)
        assert browser.execute_script(FOCUS_VISIBLE), f"no visible focus on {description}"
        if previous is not None:
            assert browser.execute_script(FOLLOWS, previous), f"focus went backwards to {description}"
        previous = browser.switch_to.active_element
        seen.append(description.split("|")[1])
        if seen[-1] == wanted:
            return seen
    raise AssertionError(f"Tab never reached {wanted!r}; it went through {seen}")


def press(browser, key: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).send_keys(key).perform()


def wait_for_url(browser, part: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(lambda driver: part in driver.current_url)


@pytest.fixture
def programme(factory):  # type: ignore[no-untyped-def]
    topics = factory.topics()
    factory.series(title="Kite workshop", topics=[topics[0]], start_local=datetime(2026, 6, 3, 17, 0))
    factory.series(title="Teen football", topics=[topics[1]], start_local=datetime(2026, 6, 4, 18, 0))
    return topics


def test_tab_to_the_shortcuts_and_the_view_switcher_and_follow_them(live_server, browser, programme) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(live_server.url + "/?language=")
    seen = tab_until(browser, "Today")
    assert seen[0] == "Skip to content"
    # Then, in this order: the other quick dates, the views, the period's links, the filter.
    seen = tab_until(browser, "Filter the programme")
    assert seen[:5] == ["This weekend", "This week", "List", "Week", "Month"]
    assert seen.index("Month") < seen.index("Next 14 days") < seen.index("Filter the programme")

    browser.get(live_server.url + "/")
    tab_until(browser, "Month")
    press(browser, Keys.ENTER)
    wait_for_url(browser, "view=month")
    assert browser.find_element(By.CSS_SELECTOR, "table.calendar-month caption").text == "June 2026"
    tab_until(browser, "This week")
    press(browser, Keys.ENTER)
    wait_for_url(browser, "view=week")
    assert dict(parse_qsl(urlsplit(browser.current_url).query)) == {"view": "week", "start": "2026-06-01"}
    # The week's events are links in the grid, reached by Tab as well.
    tab_until(browser, "Kite workshop")
    press(browser, Keys.ENTER)
    wait_for_url(browser, "/events/")


def test_the_filter_form_by_keyboard(live_server, browser, programme) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.keys import Keys

    browser.get(live_server.url + "/?view=week")
    tab_until(browser, "Filter the programme")
    press(browser, Keys.ENTER)  # opens the disclosure
    first_topic = programme[0]
    topic_label = f"topic={first_topic.slug}"
    tab_until(browser, topic_label)
    assert browser.switch_to.active_element.is_selected() is False
    press(browser, Keys.SPACE)
    assert browser.switch_to.active_element.is_selected() is True
    tab_until(browser, "Show events")
    press(browser, Keys.ENTER)
    wait_for_url(browser, f"topic={first_topic.slug}")
    query = dict(parse_qsl(urlsplit(browser.current_url).query))
    assert query["view"] == "week" and query["topic"] == first_topic.slug
    page = browser.page_source
    assert "Kite workshop" in page and "Teen football" not in page
