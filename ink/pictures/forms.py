"""The picture form of an event or an organisation: a file, its alt text, and "remove"."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from ink.forms import BaseForm, strip_filter
from ink.pictures.models import ALT_TEXT_MAX


class PictureForm(BaseForm):
    """Upload or replace a picture (alt text required whenever one is kept), or remove it.
    ``has_current`` says whether the owner has a picture now (the view sets it)."""

    picture = FileField(_l("Picture file"), render_kw={"accept": "image/jpeg,image/png,image/webp"})
    alt_text = StringField(_l("Alt text: what the picture shows"), filters=[strip_filter],
                           validators=[Optional(), Length(max=ALT_TEXT_MAX)])
    remove = BooleanField(_l("Remove the picture"))

    has_current = False

    def upload(self) -> FileStorage | None:
        """The file sent, or None (no file chosen; a text value in the file field is no file either)."""
        data = self.picture.data
        return data if isinstance(data, FileStorage) and data.filename else None

    def read_upload(self, limit: int) -> bytes:
        """The uploaded bytes, at most ``limit`` + 1 (enough to tell that a file is too big)."""
        upload = self.upload()
        return upload.stream.read(limit + 1) if upload is not None else b""

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.remove.data:
            return valid
        if self.upload() is None and not self.has_current:
            self.picture.errors = [*self.picture.errors, _l("Choose a JPEG, PNG or WebP picture to upload.")]
            valid = False
        if not self.alt_text.data and not self.alt_text.errors:
            self.alt_text.errors = [*self.alt_text.errors, _l(
                "Describe the picture for people who cannot see it (for example “Six people around a table "
                "with coffee cups”).")]
            valid = False
        self._errors = None
        return valid
