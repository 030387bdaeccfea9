"""The audit log's filter form (read from the query string: a GET form changes nothing, so no CSRF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError

from ink.forms import BaseForm, strip_filter


class AuditFilterForm(BaseForm):
    """Organisation, person, object kind and id, date range; ``before`` pages back (keyset)."""

    class Meta(BaseForm.Meta):
        csrf = False

    organisation = SelectField(_l("Organisation"), validators=[Optional()], validate_choice=True)
    person = SelectField(_l("Person"), validators=[Optional()], validate_choice=True)
    kind = SelectField(_l("Object"), validators=[Optional()], validate_choice=True)
    object_id = StringField(_l("Object id"), filters=[strip_filter], validators=[
        Optional(), Length(max=64), Regexp(r"^[0-9]+(/[0-9A-Za-z_.:-]+)*$", message=_l("An object id is a number."))])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    before = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**62)])

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end of the period is before its start."))
