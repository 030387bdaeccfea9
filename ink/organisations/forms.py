"""Forms for organisations and their editors."""
from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from typing import Any

from wtforms import EmailField, SelectMultipleField, StringField, TextAreaField, URLField
from wtforms.validators import URL, Email, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ink.forms import SafeForm

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms import SelectChoice

    def make_choices(pairs: Any) -> list[Any]:
        return [SelectChoice(value, label) for value, label in pairs]
except ImportError:  # pragma: no cover - older WTForms
    def make_choices(pairs: Any) -> list[Any]:
        return list(pairs)


# Languages spoken in the network (BCP 47); names come from Babel in the reader's language.
SPOKEN_LANGUAGES: tuple[str, ...] = (
    "nb", "nn", "se", "en", "pl", "es", "lt", "ar", "uk", "ru", "so", "ti", "fa", "fa-AF", "ps", "ku",
    "tr", "ur", "hi", "bn", "ta", "zh", "vi", "th", "tl", "fr", "de", "it", "pt", "ro", "sq", "bs",
    "hr", "sr", "am", "sw", "sv", "da", "fi", "lv", "et", "el", "he", "ne", "my", "ka",
)


def language_label(code: str) -> str:
    """The language's name in the interface language, with its code ("Polish (pl)")."""
    name = Locale.parse(str(get_locale())).languages.get(code.replace("-", "_"), code)
    return f"{name[:1].upper()}{name[1:]} ({code})"


def language_choices(extra: list[str] | None = None) -> list[Any]:
    """SPOKEN_LANGUAGES plus any already stored (``extra``), sorted by name."""
    codes = list(dict.fromkeys([*SPOKEN_LANGUAGES, *(extra or [])]))
    pairs = sorted(((code, language_label(code)) for code in codes), key=lambda choice: choice[1].casefold())
    return make_choices(pairs)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OrganisationForm(SafeForm):
    """The profile. Editors get it without ``slug`` (the view deletes that field for them)."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=160)])
    slug = StringField(
        _l("Web address"), validators=[Optional(), Length(max=80),
                                       Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                              message=_l("Use lower-case letters, digits and hyphens only."))],
        description=_l("The last part of the organisation's public address; leave empty to make one from the name."),
    )
    description = TextAreaField(_l("About the organisation"), validators=[Optional(), Length(max=10_000)])
    website = URLField(_l("Website"), validators=[
        Optional(), Length(max=300),
        URL(require_tld=False, message=_l("Enter a web address starting with http:// or https://.")),
    ])
    contact_email = EmailField(_l("Public contact email"), filters=[_strip], validators=[
        Optional(), Length(max=254), Email(check_deliverability=False, message=_l("Enter a valid email address.")),
    ])
    contact_phone = StringField(_l("Public contact phone"), validators=[Optional(), Length(max=40)])
    languages = MultiCheckboxField(_l("Languages the organisation works in"), validators=[Optional()])
    topics = MultiCheckboxField(_l("Topics"), coerce=int, validators=[Optional()])

    def validate_website(self, field: URLField) -> None:
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_l("Enter a web address starting with http:// or https://."))


class AddEditorForm(SafeForm):
    email = EmailField(_l("Email of an existing account"), filters=[_strip], validators=[
        InputRequired(), Length(max=254), Email(check_deliverability=False, message=_l("Enter a valid email address.")),
    ])
