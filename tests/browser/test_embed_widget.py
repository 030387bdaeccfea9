"""In a real browser: a member organisation's page on another origin pastes the snippet, and ends with
the widget's iframe inserted after the script and sized to its content (ink/static/embed-frame.js posts
the height, templates/feeds/embed.js believes only our origin)."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from ink.events.recurrence import Recurrence

pytestmark = pytest.mark.browser

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Polish Association</title></head>
<body><h1>Polish Association</h1>
<script src="{base}/embed.js" data-organisation="{slug}" data-limit="4" data-theme="dark"></script>
<p id="after">Our address: Kirkegata 1</p>
</body></html>"""


class HostSite:
    """A member organisation's website: one page, on its own port and host name (another origin)."""

    def __init__(self, page: str) -> None:
        def app(environ, start_response):  # type: ignore[no-untyped-def]
            return Response(page, content_type="text/html; charset=utf-8")(environ, start_response)

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://localhost:{self._server.server_port}/"  # localhost vs our 127.0.0.1: cross-origin
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def host_site(app, live_server, factory) -> Iterator[tuple[HostSite, str]]:  # type: ignore[no-untyped-def]
    app.config["BASE_URL"] = live_server.url  # the snippet, the iframe and the origin check use it
    organisation = factory.organisation("Polish Association")
    factory.series(organisation=organisation, title="Polish language café", recurrence=Recurrence(freq="weekly"),
                   start_local=datetime(2026, 6, 3, 18, 0), duration_minutes=120)
    site = HostSite(HOST_PAGE.format(base=live_server.url, slug=organisation.slug))
    yield site, organisation.slug
    site.stop()


def test_the_snippet_inserts_an_iframe_sized_to_its_content(live_server, browser, host_site) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    site, slug = host_site
    browser.get(site.url)
    frame = WebDriverWait(browser, 10).until(lambda driver: driver.find_element(By.CSS_SELECTOR, "iframe.ink-embed"))
    # inserted right after the script tag, before the page's own next paragraph
    assert browser.execute_script(
        "const f = document.querySelector('iframe.ink-embed');"
        "return f.previousElementSibling.tagName + ' ' + f.nextElementSibling.id;") == "SCRIPT after"
    assert frame.get_attribute("src") == f"{live_server.url}/embed?organisation={slug}&theme=dark&limit=4"

    def content_height() -> int:
        browser.switch_to.frame(frame)
        try:
            return int(browser.execute_script(
                "return Math.ceil(document.getElementById('embed').getBoundingClientRect().height)"))
        finally:
            browser.switch_to.default_content()

    def frame_height(driver) -> int:  # type: ignore[no-untyped-def]
        return int(driver.execute_script("return document.querySelector('iframe.ink-embed').offsetHeight"))

    WebDriverWait(browser, 10).until(lambda driver: frame_height(driver) != 320)  # the snippet's first guess
    expected = content_height()
    WebDriverWait(browser, 10).until(lambda driver: frame_height(driver) == expected)

    browser.switch_to.frame(frame)
    try:
        rows = browser.find_elements(By.CSS_SELECTOR, ".embed-row")
        assert len(rows) == 4
        assert "Polish language café" in rows[0].text
        assert browser.execute_script("return document.documentElement.className") == "theme-dark"
        link = rows[0].find_element(By.TAG_NAME, "a")
        assert link.get_attribute("target") == "_blank" and link.get_attribute("rel") == "noopener"
        assert browser.execute_script("return document.cookie") == ""
    finally:
        browser.switch_to.default_content()
    # no script error and no CSP refusal anywhere (a missing favicon is not the page's business)
    assert not [entry for entry in browser.get_log("browser")
                if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]]


def test_a_message_from_another_origin_does_not_resize_the_frame(live_server, browser, host_site) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    site, _slug = host_site
    browser.get(site.url)
    WebDriverWait(browser, 10).until(lambda driver: driver.find_element(By.CSS_SELECTOR, "iframe.ink-embed"))
    WebDriverWait(browser, 10).until(lambda driver: driver.execute_script(
        "return document.querySelector('iframe.ink-embed').offsetHeight") != 320)
    before = browser.execute_script("return document.querySelector('iframe.ink-embed').offsetHeight")
    # The host page itself (another origin than ours) claims a height: ignored. Our listener was added
    # after embed.js's, so when it runs, embed.js has already seen (and refused) the message.
    after = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.addEventListener('message', () => done(document.querySelector('iframe.ink-embed').offsetHeight),"
        " {once: true});"
        "window.postMessage({type: 'ink-embed-height', height: 5000}, '*');")
    assert after == before
