"""Serving pictures (``/pictures/<name>``, cached for a year: names change with the content) and the
template helpers that build their URLs, ``srcset`` and ``<img>`` sizes."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, abort, current_app, request, url_for
from werkzeug.wrappers import Response

from ink.pictures import service
from ink.pictures.models import Picture

bp = Blueprint("pictures", __name__)

CACHE_CONTROL = "public, max-age=31536000, immutable"
MIMETYPES = {".jpg": "image/jpeg", ".png": "image/png"}
# An upload form's own fields and multipart framing, on top of the largest accepted file.
FORM_OVERHEAD_BYTES = 64 * 1024
UPLOAD_ATTRIBUTE = "accepts_picture_upload"
View = TypeVar("View", bound=Callable[..., Any])


def accepts_picture_upload(view: View) -> View:
    """Mark a view whose form carries a picture: its request may be as large as PICTURE_MAX_BYTES allows
    (other requests keep MAX_CONTENT_LENGTH). Applied before CSRF protection reads the body."""
    setattr(view, UPLOAD_ATTRIBUTE, True)
    return view


@bp.get("/pictures/<picture_name>")
def picture_file(picture_name: str) -> Response:
    path = service.rendition_path(picture_name)
    if path is None:
        abort(404)
    # Read whole (renditions are small): no open file is left to a client that never reads the body.
    response = Response(path.read_bytes(), mimetype=MIMETYPES[path.suffix])
    response.set_etag(picture_name)  # content-addressed: the name is the version
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response.make_conditional(request)


def picture_url(picture: Picture, width: int | None = None) -> str:
    """The URL of one rendition (the largest when no width is given)."""
    chosen = width if width in picture.rendition_widths else picture.largest_width
    return url_for("pictures.picture_file", picture_name=picture.file_name(chosen))


def picture_srcset(picture: Picture) -> str:
    """Every rendition as a ``srcset`` candidate ("/pictures/…-320.jpg 320w, …")."""
    return ", ".join(f"{picture_url(picture, width)} {width}w" for width in picture.rendition_widths)


def _allow_upload_size() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, UPLOAD_ATTRIBUTE, False):
        request.max_content_length = int(current_app.config["PICTURE_MAX_BYTES"]) * 2 + FORM_OVERHEAD_BYTES


def register(app: Flask) -> None:
    """The blueprint, the template helpers, and the larger body limit of upload views."""
    app.register_blueprint(bp)
    app.add_template_global(picture_url)
    app.add_template_global(picture_srcset)
    # URL value preprocessors run before every before_request function, CSRF protection's included.
    app.url_value_preprocessor(lambda endpoint, values: _allow_upload_size())
