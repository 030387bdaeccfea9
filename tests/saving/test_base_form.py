"""One base form for the whole app: control characters are a field error on every form, never a 500."""
from __future__ import annotations

import sqlalchemy as sa
from flask_wtf import FlaskForm

import ink.models  # noqa: F401  (every model, and with the app every form module)
from ink.attendance.models import AttendanceCategory
from ink.extensions import db
from ink.forms import BaseForm
from tests.attendance.conftest import Network, network  # noqa: F401  (fixture)


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


def test_every_form_of_the_app_derives_from_the_base_form(app) -> None:  # type: ignore[no-untyped-def]
    forms = {cls for cls in _all_subclasses(FlaskForm) if cls.__module__.startswith("ink.")}
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in forms}
    assert {"ink.attendance.forms.CategoryForm", "ink.auth.forms.LoginForm", "ink.reminders.forms.SubscribeForm",
            "ink.events.forms.SeriesForm", "ink.organisations.forms.OrganisationForm"} <= names
    strays = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in forms
                    if cls is not BaseForm and not issubclass(cls, BaseForm))
    assert strays == []


def test_nul_in_a_category_name_is_a_field_error_and_nothing_is_stored(client, auth, network: Network) -> None:  # noqa: F811
    auth.login("editor@example.org")
    url = f"/manage/attendance/series/{network.series.id}/categories"
    response = client.post(url, data={"name": "Chil\x00dren"})
    assert response.status_code == 422
    assert "Remove the invisible control characters." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceCategory)) == 0


def test_other_control_characters_are_refused_but_tabs_and_newlines_are_kept(client, auth, network) -> None:  # noqa: F811
    auth.login("editor@example.org")
    url = f"/manage/attendance/series/{network.series.id}/categories"
    assert client.post(url, data={"name": "Bell\x07"}).status_code == 422
    assert client.post(url, data={"name": "Escape\x1b[0m"}).status_code == 422
    assert client.post(url, data={"name": "Tab\tand\nnewline"}).status_code == 302
    assert list(db.session.scalars(sa.select(AttendanceCategory.name))) == ["Tab and newline"]
