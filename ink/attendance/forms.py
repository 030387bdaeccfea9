"""Forms of attendance: a count with its breakdown, categories, confirmations."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-wtforms 3.2 predates SelectChoice (WTForms 3.3)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ink.attendance.models import MAX_COUNT, AttendanceCategory, CategoryKind, CountMethod
from ink.forms import BaseForm, VersionedForm

METHOD_LABELS = {
    CountMethod.DOOR_COUNTER: _l("Door counter"),
    CountMethod.HEAD_COUNT: _l("Head count"),
    CountMethod.SIGN_IN_SHEET: _l("Sign-in sheet"),
    CountMethod.ESTIMATE: _l("Estimate"),
}

KIND_LABELS = {
    CategoryKind.SPLIT: _l("Part of the total (for example adults / children)"),
    CategoryKind.TALLY: _l("Counted beside the total (for example first visit)"),
}


def _count_validators(required: bool) -> list:  # type: ignore[type-arg]
    return [InputRequired() if required else Optional(),
            NumberRange(min=0, max=MAX_COUNT, message=_l("Enter a number from 0 to %(max)s.", max=MAX_COUNT))]


class CountForm(VersionedForm):
    total = IntegerField(_l("Total people"), validators=_count_validators(True))
    method = SelectField(_l("How was it counted?"), choices=[SelectChoice(m.value, label) for m, label in METHOD_LABELS.items()],
                         default=CountMethod.HEAD_COUNT.value)
    note = TextAreaField(_l("Note (no names or personal details)"), validators=[Length(max=1000)])
    confirm_over_capacity = BooleanField(_l("I have checked: more people came than the venue's capacity"))

    @classmethod
    def for_categories(cls, categories: list[AttendanceCategory], **kwargs: Any) -> CountForm:
        """A form class with one optional number field per breakdown category."""
        class _Form(cls):  # type: ignore[valid-type, misc]
            pass
        for category in categories:
            setattr(_Form, f"category_{category.id}", IntegerField(category.name, validators=_count_validators(False)))
        return _Form(**kwargs)

    def category_fields(self, categories: list[AttendanceCategory]) -> list[Any]:
        return [self[f"category_{c.id}"] for c in categories]


class CategoryForm(BaseForm):
    name = StringField(_l("New category"), validators=[DataRequired(), Length(max=80)])
    # Absent from a rename (which posts only the name): the default keeps that form valid.
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
                       default=CategoryKind.SPLIT.value)


class ConfirmForm(BaseForm):
    """A POST with nothing but the CSRF token (and, for accepting a door count, the capacity check)."""

    confirm_over_capacity = BooleanField(_l("I have checked: more people came than the venue's capacity"))
