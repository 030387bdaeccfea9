from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from ink.auth.redirects import safe_next
from ink.i18n import LANGUAGE_COOKIE

bp = Blueprint("public", __name__)


@bp.get("/")
def programme():  # type: ignore[no-untyped-def]
    return render_template("public/programme.html")


@bp.get("/organisations/")
def organisation_directory():  # type: ignore[no-untyped-def]
    return render_template("public/organisations.html")


@bp.post("/language")
def set_language():  # type: ignore[no-untyped-def]
    language = request.form.get("lang", "")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    response = make_response(redirect(safe_next(request.form.get("next"), url_for("public.programme"))))
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    if current_user.is_authenticated:
        current_user.locale = language
    return response
