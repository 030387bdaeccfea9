"""Forms of reminders: subscribing, preferences, erasing."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, SelectField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-wtforms 3.2 predates SelectChoice (WTForms 3.3)
from wtforms.validators import DataRequired, Length

from ink.forms import BaseForm
from ink.i18n import language_direction, language_name, supported_languages
from ink.reminders.service import DEFAULT_OFFSET_MINUTES

OFFSET_LABELS = [
    SelectChoice(60, _l("1 hour before")),
    SelectChoice(180, _l("3 hours before")),
    SelectChoice(1440, _l("1 day before")),
    SelectChoice(2880, _l("2 days before")),
    SelectChoice(10080, _l("1 week before")),
]


def locale_choices() -> list[SelectChoice]:
    """The interface languages, each by its own name, with its ``lang`` and ``dir``."""
    return [SelectChoice(code, language_name(code), render_kw={"lang": code, "dir": language_direction(code)})
            for code in supported_languages()]


class SubscribeForm(BaseForm):
    email = EmailField(_l("Your email address"), validators=[DataRequired(), Length(max=254)])
    offset_minutes = SelectField(_l("Remind me"), choices=OFFSET_LABELS, coerce=int, default=DEFAULT_OFFSET_MINUTES)
    locale = SelectField(_l("Language of the emails"), choices=locale_choices, default="en")
    consent = BooleanField(
        _l("I agree that INK Events stores my email address to send me these emails until I unsubscribe."),
        validators=[DataRequired(_l("Please agree, or we cannot send you anything."))],
    )


class PreferencesForm(BaseForm):
    locale = SelectField(_l("Language of the emails"), choices=locale_choices)
    offset_minutes = SelectField(_l("Reminders arrive"), choices=OFFSET_LABELS, coerce=int)


class EraseForm(BaseForm):
    confirm = BooleanField(_l("Yes, erase my address and all my subscriptions for good."),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class EmailOnlyForm(BaseForm):
    email = EmailField(_l("Your email address"), validators=[DataRequired(), Length(max=254)])


class ConfirmForm(BaseForm):
    """Just the CSRF token: confirming, unsubscribing and the like are buttons."""
