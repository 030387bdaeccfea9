"""Plain-language recurrence summaries, in English and Norwegian Bokmål."""
from __future__ import annotations

import ast
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from ink.events import recurrence_text
from ink.events.recurrence import Recurrence
from ink.events.recurrence_text import describe

H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("rec", "start", "duration", "expected"),
    [
        (Recurrence(), datetime(2026, 3, 14, 12), 3 * H, "Once, Saturday 14 March 2026, 12:00–15:00"),
        (Recurrence("daily"), datetime(2026, 1, 1, 9), H, "Daily, 09:00–10:00"),
        (Recurrence("daily", interval=3), datetime(2026, 1, 1, 9), H, "Every 3 days, 09:00–10:00"),
        (Recurrence("weekly"), datetime(2026, 1, 6, 18), 2 * H, "Every Tuesday, 18:00–20:00"),
        (
            Recurrence("weekly", weekdays=(1, 3)),
            datetime(2026, 1, 6, 17),
            2 * H,
            "Every Tuesday and Thursday, 17:00–19:00",
        ),
        (
            Recurrence("weekly", weekdays=(0, 2, 4)),
            datetime(2026, 1, 5, 7, 30),
            timedelta(minutes=45),
            "Every Monday, Wednesday and Friday, 07:30–08:15",
        ),
        (
            Recurrence("weekly", interval=2, weekdays=(0,)),
            datetime(2026, 1, 5, 18),
            2 * H,
            "Every 2 weeks on Monday, 18:00–20:00",
        ),
        (
            Recurrence("monthly", monthly_mode="nth_weekday", nth=-1),
            datetime(2026, 1, 30, 19),
            2 * H,
            "Monthly on the last Friday, 19:00–21:00",
        ),
        (
            Recurrence("monthly", monthly_mode="nth_weekday", nth=2),
            datetime(2026, 1, 13, 19),
            2 * H,
            "Monthly on the second Tuesday, 19:00–21:00",
        ),
        (Recurrence("monthly"), datetime(2026, 1, 15, 10), 2 * H, "Monthly on day 15, 10:00–12:00"),
        (Recurrence("monthly", interval=3), datetime(2026, 1, 15, 10), 2 * H, "Every 3 months on day 15, 10:00–12:00"),
        (Recurrence("yearly"), datetime(2026, 2, 1, 12), 4 * H, "Every year on 1 February, 12:00–16:00"),
        (Recurrence("yearly", interval=2), datetime(2026, 2, 1, 12), 4 * H, "Every 2 years on 1 February, 12:00–16:00"),
        (Recurrence("daily"), datetime(2026, 1, 1, 9), None, "Daily, 09:00"),
        (Recurrence("weekly"), datetime(2026, 1, 2, 22), 4 * H, "Every Friday, 22:00–02:00"),
        (Recurrence("weekly"), datetime(2026, 1, 2, 18), 42 * H, "Every Friday, 18:00 – Sunday 12:00"),
    ],
)
def test_describe_english(rec: Recurrence, start: datetime, duration: timedelta | None, expected: str) -> None:
    assert describe(rec, start, duration=duration, all_day=False) == expected


def test_describe_all_day() -> None:
    rec = Recurrence("yearly", monthly_mode="nth_weekday", nth=2)
    got = describe(rec, datetime(2026, 3, 14), duration=None, all_day=True)
    assert got == "Every year on the second Saturday of March, all day"


def test_describe_multi_day_all_day() -> None:
    got = describe(Recurrence("yearly"), datetime(2026, 6, 1), duration=None, all_day=True, all_day_days=3)
    assert got == "Every year on 1 June, 3 days"


def test_describe_once_all_day() -> None:
    got = describe(Recurrence(), datetime(2026, 3, 14), duration=None, all_day=True)
    assert got == "Once, Saturday 14 March 2026, all day"


@pytest.mark.parametrize(
    ("rec", "expected_end"),
    [
        (Recurrence("weekly", end="until", until=date(2027, 6, 30)), ", until 30 June 2027"),
        (Recurrence("weekly", end="count", count=10), ", 10 times"),
        (Recurrence("weekly", end="count", count=1), ", 1 time"),
        (Recurrence("weekly"), ", 18:00–20:00"),
    ],
)
def test_describe_end_clauses(rec: Recurrence, expected_end: str) -> None:
    got = describe(rec, datetime(2026, 1, 6, 18), duration=2 * H, all_day=False)
    assert got.startswith("Every Tuesday, 18:00–20:00")
    assert got.endswith(expected_end)


def test_describe_norwegian_uses_babel_names() -> None:
    rec = Recurrence("weekly", weekdays=(1, 3), end="until", until=date(2027, 3, 30))
    got = describe(rec, datetime(2026, 1, 6, 17), duration=2 * H, all_day=False, locale="nb")
    assert "tirsdag og torsdag" in got
    assert "17:00–19:00" in got
    assert "30. mars 2027" in got
    assert "Tuesday" not in got


def test_describe_norwegian_month_and_weekday_names() -> None:
    yearly = Recurrence("yearly", monthly_mode="nth_weekday", nth=2)
    got = describe(yearly, datetime(2026, 3, 14), duration=None, all_day=True, locale="nb")
    assert "lørdag" in got and "mars" in got
    once = describe(Recurrence(), datetime(2026, 3, 14, 12), duration=3 * H, all_day=False, locale="nb")
    assert "lørdag 14. mars 2026" in once
    monthly = describe(
        Recurrence("monthly", monthly_mode="nth_weekday", nth=-1),
        datetime(2026, 1, 30, 19),
        duration=None,
        all_day=False,
        locale="nb",
    )
    assert "fredag" in monthly


def test_describe_uses_the_translation_callables() -> None:
    catalogue = {
        "Every %(weekdays)s": "Hver %(weekdays)s",
        "%(pattern)s, %(time)s": "%(pattern)s, %(time)s",
        "%(start)s–%(end)s": "%(start)s–%(end)s",
        "%(summary)s, until %(date)s": "%(summary)s, til og med %(date)s",
    }
    plural = {"%(summary)s, %(num)d time": ("%(summary)s, %(num)d gang", "%(summary)s, %(num)d ganger")}

    def gettext(message: str, **variables: object) -> str:
        return catalogue[message] % variables

    def ngettext(singular: str, plural_form: str, num: int, **variables: object) -> str:
        variables.setdefault("num", num)
        return plural[singular][0 if num == 1 else 1] % variables

    rec = Recurrence("weekly", weekdays=(1, 3), end="until", until=date(2027, 6, 30))
    got = describe(
        rec, datetime(2026, 1, 6, 17), duration=2 * H, all_day=False, locale="nb", gettext=gettext, ngettext=ngettext
    )
    assert got == "Hver tirsdag og torsdag, 17:00–19:00, til og med 30. juni 2027"
    counted = describe(
        Recurrence("weekly", end="count", count=3),
        datetime(2026, 1, 6, 17),
        duration=2 * H,
        all_day=False,
        locale="nb",
        gettext=lambda m, **v: (catalogue.get(m, m)) % v if v else catalogue.get(m, m),
        ngettext=ngettext,
    )
    assert counted == "Hver tirsdag, 17:00–19:00, 3 ganger"


def test_describe_works_with_flask_babel_callables() -> None:
    flask_babel = pytest.importorskip("flask_babel")
    flask = pytest.importorskip("flask")
    app = flask.Flask(__name__)
    flask_babel.Babel(app)
    with app.test_request_context():
        got = describe(
            Recurrence("weekly", interval=2, weekdays=(0,), end="count", count=4),
            datetime(2026, 1, 5, 18),
            duration=2 * H,
            all_day=False,
            gettext=flask_babel.gettext,
            ngettext=flask_babel.ngettext,
        )
    assert got == "Every 2 weeks on Monday, 18:00–20:00, 4 times"


def _translation_calls() -> list[ast.Call]:
    source = Path(recurrence_text.__file__).read_text(encoding="utf-8")
    return [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("gettext", "ngettext")
    ]


def test_messages_are_extractable_literals() -> None:
    calls = _translation_calls()
    assert len(calls) >= 20
    for call in calls:
        literal_count = 2 if call.func.id == "ngettext" else 1  # type: ignore[attr-defined]
        assert all(
            isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in call.args[:literal_count]
        ), ast.unparse(call)


def test_pybabel_extractor_finds_messages() -> None:
    extract = pytest.importorskip("babel.messages.extract")
    with open(recurrence_text.__file__, "rb") as handle:
        found = [message for _, message, _, _ in extract.extract("python", handle)]
    messages = {message if isinstance(message, str) else message[0] for message in found}
    assert {"Every %(weekdays)s", "Monthly on day %(day)d", "last", "second", "Daily"} <= messages
    assert "Every %(num)d week on %(weekdays)s" in messages


@pytest.mark.parametrize("locale", ["en", "nb", "pl", "lt", "es", "uk", "ar"])
def test_describe_times_are_the_sites_24_hour_clock_in_every_language(locale: str) -> None:
    # CLDR's "short" time is "5:00 م" in Arabic and "5:00 PM" in plain English: the summary uses HH:mm.
    got = describe(Recurrence("weekly", weekdays=(1,)), datetime(2026, 1, 6, 17), duration=2 * H,
                   all_day=False, locale=locale)
    assert "17:00" in got and "19:00" in got
