"""Shared helpers for the manage-screen tests."""
from __future__ import annotations

from typing import Any

from ink.organisations.models import Organisation


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
