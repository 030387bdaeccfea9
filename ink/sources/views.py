"""The manage screens of calendar sources (blueprint ``sources``): list, add with a preview, show, sync
now, edit defaults, disconnect; and the demo calendar's own file."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sources", __name__, url_prefix="/manage/sources")


@bp.route("/<int:source_id>")
def show(source_id: int) -> str:
    """A source's page."""
    return str(source_id)
