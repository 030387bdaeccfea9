"""Shared helpers for the manage-screen tests."""
from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from ink.organisations.models import Organisation
from tests.conftest import PASSWORD
from tests.sweep import csrf_token_of, sign_in


def series_form(org: Organisation, **overrides: Any) -> dict[str, Any]:
    """A valid series form submission (weekly on Tuesday and Thursday, 17:00–19:00), with overrides."""
    data: dict[str, Any] = {
        "title": "Language café",
        "description": "<p>Practise <strong>Norwegian</strong></p>",
        "organisation": str(org.id),
        "date": "2026-06-09",
        "start_time": "17:00",
        "end_time": "19:00",
        "all_day_days": "1",
        "freq": "weekly",
        "interval": "1",
        "weekdays": ["1", "3"],
        "monthly_mode": "day_of_month",
        "nth": "",
        "end": "never",
        "until": "",
        "count": "",
        "venue": "",
        "audiences": ["everyone"],
        "audience_note": "Everyone",
        "age_min": "",
        "age_max": "",
        "registration_url": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- CSRF switched on ----------------------------------------------------------------------------

def page_csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on a freshly fetched page."""
    return csrf_token_of(client.get(path).get_data(as_text=True))


def sign_in_with_csrf(client: FlaskClient, email: str) -> None:
    sign_in(client, email)


# --- a real browser ------------------------------------------------------------------------------

def sign_in_browser(browser: Any, base_url: str, email: str) -> None:
    """Sign in through the login form and wait until the browser has left it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base_url + "/login")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()
    WebDriverWait(browser, 15).until(lambda _: "/login" not in browser.current_url)
