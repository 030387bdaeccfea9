"""The base form every form builds on: form bodies only, and no control characters."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto


class SafeForm(FlaskForm):
    """Turns NUL characters (PostgreSQL cannot store them) into a field error rather than a 500,
    and reads only form bodies: Flask-WTF would read a JSON body as form data and hand its numbers,
    lists and objects to fields that expect text."""

    # Fields only checked, never stored or looked up (a ``next`` that safe_next drops anyway).
    nul_tolerant: tuple[str, ...] = ()

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is _Auto and request.is_json and not request.form:
                return None  # as if nothing was sent: the fields answer "required"
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if field.name not in self.nul_tolerant and any("\x00" in str(value) for value in (field.raw_data or [])):
                field.errors = [*field.errors, _l("Remove the invisible control characters.")]
                valid = False
        self._errors = None
        return valid
