"""A series' schedule in plain words ("Every Tuesday and Thursday, 17:00–19:00"), in the visitor's language.

The one place the summary is assembled: the manage pages, the schedule preview and the public event
page all call these.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import get_locale, gettext, ngettext

from ink.events.models import EventSeries
from ink.events.recurrence import Recurrence, RecurrenceError
from ink.events.recurrence_text import describe
from ink.events.service import series_recurrence


def describe_schedule(rec: Recurrence, start_local: datetime, *, duration: timedelta | None, all_day: bool,
                      all_day_days: int) -> str:
    """The summary of a schedule (saved or still in the form) in the current locale."""
    return describe(rec, start_local, duration=duration, all_day=all_day, all_day_days=all_day_days,
                    locale=str(get_locale() or "en"), gettext=gettext, ngettext=ngettext)


def schedule_summary(series: EventSeries) -> str | None:
    """The series' summary; None for a rule the form model cannot express (imported later, say)."""
    try:
        rec = series_recurrence(series)
    except RecurrenceError:
        return None
    return describe_schedule(rec, series.start_local, duration=None if series.is_all_day else series.duration,
                             all_day=series.is_all_day, all_day_days=series.all_day_days)
