"""What a picture form does, for any owner (an event's picture, an organisation's logo): one home for
the steps both owners' views share, so they differ only in loading, authorising and wording."""
from __future__ import annotations

from datetime import datetime

from ink.pictures import service
from ink.pictures.forms import PictureForm
from ink.pictures.models import Picture


def picture_form(current: Picture | None, *, filled: bool) -> PictureForm:
    """The form for an owner whose picture is ``current``; ``filled`` (a GET) shows its alt text."""
    form = PictureForm()
    form.has_current = current is not None
    if filled and current is not None:
        form.alt_text.data = current.alt_text
    return form


def apply_picture_form(form: PictureForm, current: Picture | None, *, now: datetime) -> Picture | None:
    """The owner's picture after a valid form: None when removed, a new row for an upload, else
    ``current`` with the new alt text. Raises ink.pictures.images.PictureRefused for a refused upload."""
    if form.remove.data:
        return None
    alt_text = form.alt_text.data or ""
    if form.upload() is not None:
        limit = service.picture_limits().max_bytes
        return service.store_picture(form.read_upload(limit), alt_text, now=now)
    if current is not None and current.alt_text != alt_text.strip():
        service.set_alt_text(current, alt_text)
    return current
