from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("events", __name__, url_prefix="/manage")


@bp.get("/")
@login_required
def dashboard():  # type: ignore[no-untyped-def]
    return render_template("events/dashboard.html")
