"""The one set of date formats (ink/i18n.py): each name in English and Bokmål, and pages that show dates
with neither numeric dates nor seconds."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from flask_babel import force_locale

from ink.events.recurrence import Recurrence
from ink.attendance.service import create_door_link, door_link_token
from ink.extensions import db
from ink.i18n import DATE_FORMATS, fmt_date, fmt_datetime, fmt_time, fmt_time_range, fmt_when, format_day, relative_day

UTC = timezone.utc
NUMERIC_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b")
SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")

EXPECTED = {
    # name: {date: (English, Bokmål)}
    "day": {date(2026, 12, 1): ("Tuesday 1 December", "tirsdag 1. desember"),
            date(2026, 11, 26): ("Thursday 26 November", "torsdag 26. november"),
            date(2025, 8, 6): ("Wednesday 6 August", "onsdag 6. august")},
    "full": {date(2026, 12, 1): ("Tuesday 1 December 2026", "tirsdag 1. desember 2026"),
             date(2025, 8, 6): ("Wednesday 6 August 2025", "onsdag 6. august 2025")},
    "long": {date(2026, 12, 1): ("1 December 2026", "1. desember 2026"),
             date(2026, 11, 26): ("26 November 2026", "26. november 2026")},
    "short": {date(2026, 12, 1): ("1 Dec 2026", "1. des. 2026"),
              date(2025, 8, 6): ("6 Aug 2025", "6. aug. 2025"),
              date(2026, 5, 9): ("9 May 2026", "9. mai 2026")},
    "month": {date(2026, 12, 1): ("December 2026", "desember 2026")},
    "month_name": {date(2026, 12, 1): ("December", "desember")},
    "month_abbr": {date(2026, 12, 1): ("Dec", "des.")},
}


def test_every_named_format_is_tested() -> None:
    assert set(EXPECTED) == set(DATE_FORMATS)


@pytest.mark.parametrize("name, day, english, bokmaal", [
    (name, day, english, bokmaal) for name, cases in EXPECTED.items() for day, (english, bokmaal) in cases.items()
])
def test_named_format_in_english_and_bokmaal(name: str, day: date, english: str, bokmaal: str) -> None:
    assert format_day(day, name, "en_GB") == english
    assert format_day(day, name, "nb") == bokmaal


# The other interface languages, with what CLDR's own choice read wrong for a resident noted in ink/i18n.py.
OTHER_LOCALES = {
    "pl": {"day": "wtorek, 1 grudnia", "full": "wtorek, 1 grudnia 2026", "long": "1 grudnia 2026",
           "short": "1 gru 2026", "month": "grudzień 2026", "month_name": "grudzień", "month_abbr": "gru"},
    "lt": {"day": "gruodžio 1 d., antradienis", "full": "2026 m. gruodžio 1 d., antradienis",
           "long": "2026 m. gruodžio 1 d.", "short": "2026 m. gruod. 1 d.", "month": "2026 m. gruodis",
           "month_name": "gruodis", "month_abbr": "gruod."},
    "es": {"day": "martes, 1 de diciembre", "full": "martes, 1 de diciembre de 2026",
           "long": "1 de diciembre de 2026", "short": "1 dic 2026", "month": "diciembre de 2026",
           "month_name": "diciembre", "month_abbr": "dic"},
    "uk": {"day": "вівторок, 1 грудня", "full": "вівторок, 1 грудня 2026\u202fр.", "long": "1 грудня 2026\u202fр.",
           "short": "1 груд. 2026\u202fр.", "month": "грудень 2026\u202fр.", "month_name": "грудень",
           "month_abbr": "груд."},
    # Latin digits, as Babel writes "ar" (README: Languages)
    "ar": {"day": "الثلاثاء، 1 ديسمبر", "full": "الثلاثاء، 1 ديسمبر 2026", "long": "1 ديسمبر 2026",
           "short": "1 ديسمبر 2026", "month": "ديسمبر 2026", "month_name": "ديسمبر", "month_abbr": "ديسمبر"},
}


@pytest.mark.parametrize("language", sorted(OTHER_LOCALES))
def test_named_formats_in_the_other_languages(language: str) -> None:
    assert set(OTHER_LOCALES[language]) == set(DATE_FORMATS)
    got = {name: format_day(date(2026, 12, 1), name, language) for name in DATE_FORMATS}
    assert got == OTHER_LOCALES[language]
    for name in DATE_FORMATS:  # never a numeric date, in any month
        for month in range(1, 13):
            assert not NUMERIC_DATE.search(format_day(date(2026, month, 9), name, language))


@pytest.mark.parametrize("language", ["en", "nb", *sorted(OTHER_LOCALES)])
def test_times_are_24_hour_in_every_language(app, language: str) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context(), force_locale(language):
        assert fmt_time(datetime(2026, 12, 1, 16, 5, tzinfo=UTC)) == "17:05"
        time_range = fmt_time_range(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), datetime(2026, 12, 1, 20, 30, tzinfo=UTC))
        # right to left: isolated as a left-to-right run, else Arabic shows "21:30–13:00"
        assert time_range == ("\u206613:00\u201321:30\u2069" if language == "ar" else "13:00\u201321:30")


def test_an_unknown_format_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown date format"):
        format_day(date(2026, 12, 1), "medium", "nb")


def test_instants_are_shown_on_the_network_wall_clock_without_seconds(app) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2026, 12, 1, 16, 0, 30, tzinfo=UTC)  # 17:00:30 in Oslo
    end = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    with app.test_request_context(), force_locale("en"):
        assert fmt_time(start) == "17:00"
        assert fmt_datetime(start) == "1 Dec 2026, 17:00"
        assert fmt_time_range(start, end) == "17:00\u201319:00"
        assert fmt_when(start, end) == "Tuesday 1 December, 17:00\u201319:00"
        assert fmt_when(start, end, is_all_day=True, format="full") == "Tuesday 1 December 2026"
    with app.test_request_context(), force_locale("nb"):
        assert fmt_datetime(start) == "1. des. 2026 kl. 17:00"
        assert fmt_datetime(start, "day") == "tirsdag 1. desember kl. 17:00"
        assert fmt_when(start, end) == "tirsdag 1. desember kl. 17:00\u201319:00"


def test_today_and_tomorrow_follow_the_local_calendar_date(app) -> None:  # type: ignore[no-untyped-def]
    # 23:30 UTC on 30 November is 00:30 on 1 December in Oslo.
    just_after_midnight = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    end = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    with app.test_request_context(), force_locale("en"):
        assert relative_day(just_after_midnight, date(2026, 12, 1)) == "Today"
        assert relative_day(just_after_midnight, date(2026, 11, 30)) == "Tomorrow"
        assert relative_day(just_after_midnight, date(2026, 11, 29)) == "Tuesday 1 December"
        assert fmt_when(just_after_midnight, end, today=date(2026, 11, 30)) == "Tomorrow, Tuesday 1 December, 00:30\u201302:00"
        assert fmt_when(just_after_midnight, end, today=date(2026, 11, 20)) == "Tuesday 1 December, 00:30\u201302:00"
    with app.test_request_context(), force_locale("nb"):
        assert relative_day(just_after_midnight, date(2026, 12, 1)) == "I dag"
        assert fmt_when(just_after_midnight, end, today=date(2026, 11, 30)) == "I morgen, tirsdag 1. desember kl. 00:30\u201302:00"


def test_a_plain_date_is_not_shifted_by_the_time_zone(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context(), force_locale("nb"):
        assert fmt_date(date(2026, 12, 1), "short") == "1. des. 2026"


def _visible(html: str) -> str:
    """The text a visitor reads, without tags, attributes and URLs (machine dates live there)."""
    html = re.sub(r"</?bdi\b[^>]*>", "", html)  # bidi isolation is inline: no word break
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S))


@pytest.mark.parametrize("language, door_text, add_text", [
    ("en", "Tuesday 2 June · 18:00", "Add 2 Jun 2026, 18:00"),
    ("nb", "tirsdag 2. juni · 18:00", "Legg til 2. juni 2026 kl. 18:00"),
])
def test_door_page_and_add_this_date_show_no_numeric_date_and_no_seconds(  # type: ignore[no-untyped-def]
        client, factory, clock, language, door_text, add_text) -> None:
    organisation = factory.organisation("Kafé Verden")
    editor = factory.user("editor@example.org", editor_of=[organisation])
    series = factory.series(organisation=organisation, title="Language café", start_local=datetime(2026, 6, 2, 18, 0),
                            recurrence=Recurrence(freq="weekly", end="count", count=3), is_drop_in=True)
    occurrence = series.occurrences[0]
    link = create_door_link(occurrence, user=editor, now=clock.now())
    db.session.commit()
    client.set_cookie("ink_lang", language)

    door = _visible(client.get(f"/door/{door_link_token(link)}").get_data(as_text=True))
    event = _visible(client.get(f"/events/{series.id}").get_data(as_text=True))

    assert door_text in door
    assert add_text in event
    for text in (door, event):
        assert NUMERIC_DATE.findall(text) == []
        assert SECONDS.findall(text) == []
