"""Accessibility in a real browser: axe-core (npm, pinned in tests/browser/package-lock.json) runs in
headless Chromium over the public pages, their filter states, the door counter and the main manage
forms, in English and Bokmål, on a phone and a desktop window, and finds no WCAG 2.2 A/AA violation.

One live server holds the demo data (``ink/demo.py``: cancelled and moved dates, drop-in events,
topics, venues, organisations, counted dates with categories); one Chromium session per
(language, window) visits every page of ``PAGES``. To check another page, add a line to ``PAGES``.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from ink import create_app
from ink.attendance.models import AttendanceRecord
from ink.attendance.service import check_door_link, create_door_link, door_link_token
from ink.auth.service import find_user_by_email
from ink.core.clock import FrozenClock
from ink.demo import COORDINATOR_EMAIL, DEMO_PASSWORD, UID_SUFFIX, seed_demo
from ink.events.models import EventSeries, Occurrence
from ink.extensions import db
from ink.i18n import catalogue_languages
from ink.organisations.service import get_organisation_by_slug
from tests.conftest import DEFAULT_NOW, LiveServer, base_config, chromium, empty_all_tables, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.committing]

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA (no axe rule is tagged wcag22a: what 2.2 adds at level A needs a person).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LANGUAGES = ("en", "nb")
WINDOWS = ((390, 844), (1280, 900))  # a phone, a desktop
# Right to left: Arabic on a phone only, which keeps the module's time (its catalogue may not be here yet:
# the English msgids then stand in, enough for direction and layout).
RIGHT_TO_LEFT = (("ar", 390, 844),)
SCREENSHOTS = Path(os.environ.get("INK_SCREENSHOT_DIR", "/tmp/ink-screenshots-ar"))
SHOWN = 10  # failing elements listed per rule


@dataclass(frozen=True)
class Page:
    """A page to check. ``path`` may name a value of ``Site.names`` ({language_cafe}) or {lang};
    ``shows`` is a CSS selector the page must contain, so that the state checked is the one meant;
    ``submit`` (a button's selector) sends the page's form as it is and checks the answer (for forms
    that change nothing when sent empty: their error state, answered with ``status``)."""

    name: str
    path: str
    shows: str = "main h1"
    signed_in: bool = False
    submit: str = ""
    status: int = 200


SEND = "main form button[type=submit]"
PAGES = (
    Page("programme", "/", ".programme-day"),
    Page("programme, a topic", "/?topic=multilingualism", ".chips"),
    Page("programme, an organisation", "/?organisation=solvberget-library", ".chips"),
    Page("programme, an age", "/?age=7", ".chips"),
    Page("programme, drop-in", "/?dropin=1", ".chips"),
    Page("programme, a language", "/?language=pl", ".chips"),
    Page("programme, several filters", "/?topic=multilingualism&language=pl&dropin=1&age=30", ".chips"),
    Page("programme, nothing matches", "/?topic=roma&organisation=polish-association-rogaland", ".loosen"),
    Page("programme, later dates", "/?start=2026-06-20&days=14", ".programme-day"),
    Page("programme, week view", "/?view=week", ".calendar-week"),
    Page("programme, month view", "/?view=month", ".calendar-month"),
    Page("programme, month view with a filter", "/?view=month&topic=multilingualism", ".calendar-month"),
    Page("organisations", "/organisations/"),
    Page("an organisation", "/organisations/solvberget-library"),
    Page("venues", "/venues/"),
    Page("a venue", "/venues/solvberget"),
    Page("topics", "/topics/"),
    Page("a topic", "/topics/multilingualism"),
    Page("an event with a moved date", "/events/{language_cafe}", ".badge-moved"),
    Page("an event with a cancelled date", "/events/{cultural_cafe}", ".badge-cancelled"),
    Page("a cancelled event", "/events/{cancelled_event}", ".badge-cancelled"),
    Page("subscribe", "/subscribe"),
    Page("email reminders for an event", "/subscribe/series/{language_cafe}", "form"),
    Page("weekly digest", "/subscribe/digest", "form"),
    Page("print", "/print", "h1"),
    Page("widget, light", "/embed?theme=light&lang={lang}", "body"),
    Page("widget, dark", "/embed?theme=dark&lang={lang}", "body"),
    Page("sign in", "/login"),
    Page("sign in, sent empty", "/login", ".form-errors", submit=SEND, status=422),
    Page("password reset request", "/password/forgot"),
    Page("password reset request, sent empty", "/password/forgot", "[aria-invalid=true]", submit=SEND, status=422),
    Page("organisation application", "/join"),
    Page("organisation application, sent empty", "/join", "[aria-invalid=true]", submit=SEND, status=422),
    Page("door counter", "/door/{door_token}", ".door-category"),
    Page("manage dashboard", "/manage/", signed_in=True),
    Page("series edit form", "/manage/series/{language_cafe}/edit", "form", signed_in=True),
    Page("organisation profile form", "/manage/organisations/{library}/edit", "form", signed_in=True),
    Page("attendance entry form", "/manage/attendance/occurrences/{counted_date}", ".current-count", signed_in=True),
    Page("attendance, counting link", "/manage/attendance/occurrences/{today}", ".door-link", signed_in=True),
    Page("moderation queue", "/manage/moderation/", ".moderation-request", signed_in=True),
)

RUN_AXE = """
const [options, done] = [arguments[0], arguments[arguments.length - 1]];
axe.run(document, options).then(
  (results) => done({violations: results.violations.map((rule) => ({
    id: rule.id, impact: rule.impact, help: rule.help, url: rule.helpUrl,
    nodes: rule.nodes.map((node) => ({target: JSON.stringify(node.target), summary: node.failureSummary})),
  }))}),
  (error) => done({error: String(error)}));
"""


def require_axe() -> str:
    """axe-core's source, installed by `make install` (npm ci); skip without it, fail under CI."""
    if not AXE.is_file():
        message = f"axe-core is not installed ({AXE}): run `make install` (npm ci --prefix tests/browser)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@dataclass
class Site:
    """The live server and the demo data's ids and tokens that the pages' paths name."""

    url: str
    names: dict[str, str]
    axe_source: str


def _series_id(key: str) -> int:
    series = db.session.scalar(sa.select(EventSeries).where(EventSeries.uid == key + UID_SUFFIX))
    assert series is not None, key
    return series.id


def _demo_names() -> dict[str, str]:
    """The ids the pages name; a door-counter link for today's language café, open now."""
    cafe = _series_id("language-cafe-solvberget")
    today = next(occurrence for occurrence in db.session.scalars(
        sa.select(Occurrence).where(Occurrence.series_id == cafe, Occurrence.start_at >= DEFAULT_NOW)
        .order_by(Occurrence.start_at)) if occurrence.is_live)
    link = create_door_link(today, user=find_user_by_email(COORDINATOR_EMAIL), now=DEFAULT_NOW)
    check_door_link(link, now=DEFAULT_NOW)  # open now: the page is the counter, not "opens on the day"
    counted = db.session.scalars(
        sa.select(Occurrence).join(AttendanceRecord, AttendanceRecord.occurrence_id == Occurrence.id)
        .where(Occurrence.series_id == cafe).order_by(Occurrence.start_at.desc())).first()
    library = get_organisation_by_slug("solvberget-library")
    assert counted is not None and library is not None
    return {
        "language_cafe": str(cafe),
        "cultural_cafe": str(_series_id("international-cultural-cafe")),
        "cancelled_event": str(_series_id("winter-football-tournament")),
        "library": str(library.id),
        "counted_date": str(counted.id),
        "today": str(today.id),
        "door_token": door_link_token(link),
    }


@pytest.fixture(scope="module")
def site(database_url: str) -> Iterator[Site]:
    """One live server with the demo data, seeded as of the suite's clock (a Tuesday: a café day)."""
    require_chromium()
    axe_source = require_axe()
    # The clock stands still, so an application would always seem sent too fast (a bot's) without the 0.
    app = create_app(base_config(database_url, CLOCK=FrozenClock(DEFAULT_NOW), WTF_CSRF_ENABLED=True,
                                 JOIN_MIN_FILL_SECONDS=0,
                                 LANGUAGES=tuple(dict.fromkeys((*catalogue_languages(), "ar")))))
    with app.app_context():
        empty_all_tables()
        seed_demo(moment=DEFAULT_NOW)
        names = _demo_names()
        db.session.commit()
        db.session.remove()
    server = LiveServer(app)
    server.start()
    try:
        yield Site(server.url, names, axe_source)
    finally:
        server.stop()
        with app.app_context():
            empty_all_tables()
            db.engine.dispose()


class Visitor:
    """One Chromium session in one language and window size; signs in and out as pages need."""

    def __init__(self, driver: WebDriver, site: Site, language: str, width: int) -> None:
        self.driver, self.site, self.language, self.width = driver, site, language, width
        self.is_signed_in = False
        driver.set_script_timeout(60)

    def url(self, page: Page) -> str:
        return self.site.url + page.path.format(lang=self.language, **self.site.names)

    def choose_language(self) -> None:
        """The header's language form, as a visitor would (it sets the language cookie)."""
        self.driver.get(self.site.url + "/organisations/")
        Select(self.driver.find_element(By.ID, "language-select")).select_by_value(self.language)
        self.driver.find_element(By.CSS_SELECTOR, ".language-switch button").click()
        WebDriverWait(self.driver, 10).until(
            lambda d: d.execute_script("return document.documentElement.lang") == self.language)

    def sign_in(self) -> None:
        self.driver.get(self.site.url + "/login")
        self.driver.find_element(By.ID, "email").send_keys(COORDINATOR_EMAIL)
        self.driver.find_element(By.ID, "password").send_keys(DEMO_PASSWORD)
        self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        WebDriverWait(self.driver, 10).until(lambda d: "/login" not in d.current_url)
        self.is_signed_in = True

    def sign_out(self) -> None:
        self.driver.get(self.site.url + "/organisations/")
        self.driver.find_element(By.CSS_SELECTOR, ".site-header form[action$='/logout'] button").click()
        WebDriverWait(self.driver, 10).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".site-header a[href$='/login']"))
        self.is_signed_in = False

    def open(self, page: Page) -> None:
        if page.signed_in and not self.is_signed_in:
            self.sign_in()
        elif self.is_signed_in and not page.signed_in:
            self.sign_out()
        self.driver.get(self.url(page))
        if page.submit:
            button = self.driver.find_element(By.CSS_SELECTOR, page.submit)
            button.click()
            # Mid-navigation Chromium may answer "Node with given id does not belong to the document"
            # instead of a stale-element error: that too means the page is going; poll again.
            WebDriverWait(self.driver, 10, ignored_exceptions=(WebDriverException,)).until(staleness_of(button))
            WebDriverWait(self.driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
        status = self.driver.execute_script(
            "return performance.getEntriesByType('navigation')[0].responseStatus")
        assert status == page.status, f"{page.name}: {self.url(page)} answered {status}"
        shown = self.driver.execute_script("return [document.documentElement.lang, window.innerWidth]")
        assert shown == [self.language, self.width], f"{page.name}: language and viewport width {shown}"
        assert self.driver.find_elements(By.CSS_SELECTOR, page.shows), f"{page.name}: no {page.shows!r}"

    def violations(self) -> list[dict[str, Any]]:
        """axe-core's WCAG 2.2 A/AA violations on the page now shown."""
        self.driver.execute_script(self.site.axe_source)
        result = self.driver.execute_async_script(RUN_AXE, {"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                                            "resultTypes": ["violations"]})
        assert "error" not in result, result
        return list(result["violations"])


@pytest.fixture(scope="module", params=[*((language, width, height) for language in LANGUAGES
                                          for width, height in WINDOWS), *RIGHT_TO_LEFT],
                ids=lambda combination: "{}-{}x{}".format(*combination))
def visitor(request: pytest.FixtureRequest, site: Site) -> Iterator[Visitor]:
    language, width, height = request.param
    with chromium(width, height) as driver:
        visitor = Visitor(driver, site, language, width)
        visitor.choose_language()
        yield visitor


def describe(page: str, url: str, violations: list[dict[str, Any]]) -> str:
    """A readable report: each rule with its impact and help, then its failing elements (the first SHOWN)."""
    lines = [f"{len(violations)} accessibility rule(s) violated on {page} ({url}):"]
    for rule in violations:
        lines.append(f"- {rule['id']} ({rule['impact']}): {rule['help']} <{rule['url']}>")
        nodes = rule["nodes"]
        lines.extend(f"    {node['target']}: {(node['summary'] or '').replace(chr(10), ' ')}" for node in nodes[:SHOWN])
        if len(nodes) > SHOWN:
            lines.append(f"    … and {len(nodes) - SHOWN} more element(s)")
    return "\n".join(lines)


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_no_wcag_violations(visitor: Visitor, page: Page) -> None:
    visitor.open(page)
    violations = visitor.violations()
    if violations:
        pytest.fail(describe(page.name, visitor.url(page), violations), pytrace=False)



# --- right to left, in Arabic: the layout mirrors, and screenshots for a person to look at ------------

@pytest.fixture(scope="module")
def arabic(site: Site) -> Iterator[Visitor]:
    with chromium(1280, 900) as driver:
        visitor = Visitor(driver, site, "ar", 1280)
        visitor.choose_language()
        yield visitor


def _box(driver: WebDriver, selector: str) -> dict[str, float]:
    return driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return {left: r.left, right: r.right, width: window.innerWidth};", selector)


def test_the_layout_mirrors_in_arabic(arabic: Visitor) -> None:
    driver = arabic.driver
    driver.get(arabic.site.url + "/?view=week")
    assert driver.execute_script("return [document.documentElement.dir, getComputedStyle(document.body).direction]") == [
        "rtl", "rtl"]
    brand, switch = _box(driver, ".brand"), _box(driver, ".language-switch")
    assert brand["right"] > brand["width"] * 0.8, "the header's first item (the name) is at the right"
    assert switch["left"] < switch["width"] * 0.3, "the language switch is at the left"
    items = driver.execute_script(
        "return [...document.querySelectorAll('.site-header .nav > li')].map((li) => li.getBoundingClientRect().left);")
    assert items == sorted(items, reverse=True), "the main navigation reads right to left"
    prev_arrow, next_arrow = (driver.execute_script(
        "return getComputedStyle(document.querySelector(arguments[0]), arguments[1]).transform;", selector, pseudo)
        for selector, pseudo in ((".period-nav a[rel=prev]", "::before"), (".period-nav a[rel=next]", "::after")))
    assert prev_arrow.startswith("matrix(-1") and next_arrow.startswith("matrix(-1"), "the arrows turn round"
    prev, nxt = _box(driver, ".period-nav a[rel=prev]"), _box(driver, ".period-nav a[rel=next]")
    assert prev["left"] > nxt["left"], "previous is at the right, next at its left"


def test_the_month_grid_starts_at_the_right_in_arabic(arabic: Visitor) -> None:
    driver = arabic.driver
    driver.get(arabic.site.url + "/?view=month")
    cells = driver.execute_script(
        "const row = document.querySelector('.calendar-month tr:has(td), .calendar-month [role=row]:has([role=gridcell])')"
        " || document.querySelector('.calendar-month tbody tr');"
        "return [...row.children].map((cell) => cell.getBoundingClientRect().left);")
    assert len(cells) >= 7 and cells == sorted(cells, reverse=True), "Monday is the rightmost column"


def test_a_tap_on_the_door_counter_counts_in_arabic(arabic: Visitor) -> None:
    driver = arabic.driver
    driver.get(arabic.url(Page("door counter", "/door/{door_token}")))
    assert driver.execute_script("return document.documentElement.dir") == "rtl"
    before = int(driver.find_element(By.ID, "door-total").text)
    driver.find_element(By.CSS_SELECTOR, ".door-buttons .door-plus").click()
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "door-total").text == str(before + 1))


SCREENSHOT_PAGES = (
    ("programme", "/", False), ("month", "/?view=month", False), ("week", "/?view=week", False),
    ("event", "/events/{language_cafe}", False), ("organisation", "/organisations/solvberget-library", False),
    ("door-counter", "/door/{door_token}", False), ("sign-in-errors", "/login", False),
    ("manage-series-form", "/manage/series/{language_cafe}/edit", True),
)


def test_screenshots_of_the_main_pages_in_arabic(arabic: Visitor) -> None:
    """Written to INK_SCREENSHOT_DIR (default /tmp/ink-screenshots-ar) for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path, signed_in in SCREENSHOT_PAGES:
        page = Page(name, path, "body", signed_in=signed_in,
                    submit=SEND if name == "sign-in-errors" else "", status=422 if name == "sign-in-errors" else 200)
        arabic.open(page)
        if name == "manage-series-form":  # a manage form with field errors: its title emptied, then sent
            title = arabic.driver.find_element(By.ID, "title")
            title.clear()
            button = arabic.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
            button.click()
            WebDriverWait(arabic.driver, 10, ignored_exceptions=(WebDriverException,)).until(staleness_of(button))
        height = arabic.driver.execute_script("return Math.min(document.documentElement.scrollHeight, 4000)")
        arabic.driver.set_window_size(1280, height)
        assert arabic.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
        arabic.driver.set_window_size(1280, 900)
    assert len(list(SCREENSHOTS.glob("*.png"))) >= len(SCREENSHOT_PAGES)
