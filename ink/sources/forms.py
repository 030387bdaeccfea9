"""The calendar source form (connect and edit)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ink.events.models import Audience
from ink.forms import BaseForm, MultiCheckboxField, make_choices


def _optional_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


class SourceForm(BaseForm):
    url = StringField(_l("Calendar address"), validators=[InputRequired(), Length(max=1000)],
                      description=_l("The public ICS address of the calendar (https:// or webcal://), as Google "
                                     "Calendar, Outlook, Nextcloud or iCloud give it for sharing."))
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)],
                       description=_l("How the calendar is called here. Empty: the calendar's own name."))
    organisation = SelectField(_l("Organisation"), coerce=_optional_int, validators=[InputRequired()])
    venue = SelectField(_l("Default venue"), coerce=_optional_int, validators=[Optional()])
    topics = MultiCheckboxField(_l("Default topics"), coerce=int, validators=[Optional()])
    audience = SelectField(_l("Audience"), validators=[Optional()],
                           choices=make_choices([("", _l("Not set"))] + [(a.value, _l(a.label)) for a in Audience]))
    is_drop_in = BooleanField(_l("Drop-in: no registration needed"))
    needs_moderation = BooleanField(_l("Imported events wait for a coordinator's review (as drafts)"))
