"""The one forms module of the app: the base form every form builds on, shared fields and choice helpers.

Neutral ground below every domain: it imports Flask-WTF, WTForms and Babel, never a domain.
``BaseForm`` refuses control characters (PostgreSQL cannot store NUL; none belongs in text a
person typed) as a field error; ``apply_domain_error`` puts a service's complaint on the field it
names; ``VersionedForm`` carries the version of the row an edit form was loaded from.
"""
from __future__ import annotations

import re
from typing import Any

from babel import Locale
from flask import current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from wtforms import HiddenField, SelectField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from ink.core.errors import DomainError
from ink.core.text import fold_text
from ink.i18n import error_text

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms import SelectChoice  # type: ignore[attr-defined]  # types-wtforms 3.2 predates SelectChoice (WTForms 3.3)

    def make_choices(pairs: Any) -> list[Any]:
        """Choices for a select or checkbox field from (value, label) pairs."""
        return [SelectChoice(value, label) for value, label in pairs]
except ImportError:  # pragma: no cover - older WTForms
    def make_choices(pairs: Any) -> list[Any]:
        """Choices for a select or checkbox field from (value, label) pairs."""
        return list(pairs)

__all__ = [
    "SPOKEN_LANGUAGES", "BaseForm", "MultiCheckboxField", "VersionedForm", "apply_domain_error",
    "language_choices", "language_label", "make_choices", "strip_filter", "OriginalLanguageField",
    "text_language_choices",
]

# C0 controls except tab, newline and carriage return; DEL; C1 controls.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

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
    pairs = sorted(((code, language_label(code)) for code in codes), key=lambda choice: fold_text(choice[1]))
    return make_choices(pairs)


def strip_filter(value: Any) -> Any:
    """A WTForms filter: surrounding whitespace off strings."""
    return value.strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _has_control_characters(field: Any) -> bool:
    return any(CONTROL_CHARACTERS.search(str(value)) for value in (field.raw_data or []))


class BaseForm(FlaskForm):
    """Every form of the app: control characters in any field are a field error, never a 500; only
    form bodies are read (Flask-WTF would read a JSON body as form data and hand its numbers, lists
    and objects to fields that expect text)."""

    # Fields that are never stored and are checked by their own rules (a login's ``next`` target).
    unchecked_fields: frozenset[str] = frozenset()

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is _Auto and request.is_json and not request.form:
                return None  # as if nothing was sent: the fields answer "required"
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if field.name not in self.unchecked_fields and _has_control_characters(field):
                field.errors = [*field.errors, _l("Remove the invisible control characters.")]
                valid = False
        self._errors = None
        return valid


class VersionedForm(BaseForm):
    """An edit form that remembers the version of the row it was loaded from (optimistic locking)."""

    version = HiddenField()

    def loaded_version(self) -> int | None:
        """The version the user's edit started from, or None when the form did not say."""
        value = (self.version.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 10 else None


def apply_domain_error(form: Any, error: DomainError, default: str | None = None) -> None:
    """Put a service's complaint on the field it names, else on ``default``, else on the first field."""
    target = form._fields.get(error.field) if error.field else None
    if target is None and default is not None:
        target = form._fields.get(default)
    if target is None:
        target = next(field for field in form if field.type not in {"CSRFTokenField", "HiddenField"})
    target.errors = [*target.errors, error_text(error)]


def text_language_choices(codes: Any) -> list[Any]:
    """Choices of languages a text is written in (``codes`` in their order), each by its name in the
    interface language with its code ("Polish (pl)")."""
    return make_choices((code, language_label(code)) for code in codes)


class OriginalLanguageField(SelectField):
    """The language an original text is written in (issue 12): the network's interface languages;
    empty keeps the stored one (a new subject: the network's default). The service checks the value
    (a view may list the subject's own unlisted language too: ``choices`` is set again then)."""

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("validate_choice", False)
        kwargs.setdefault("default", "")
        super().__init__(label or _l("Written in"), **kwargs)

    def process(self, *args: Any, **kwargs: Any) -> None:
        super().process(*args, **kwargs)
        if self.choices is None:
            self.choices = text_language_choices(current_app.config["LANGUAGES"])
