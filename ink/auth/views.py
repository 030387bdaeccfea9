"""Auth pages: sign in and sign out. Thin: the rules live in auth.service; no queries and no other domain here."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ink.auth.forms import LoginForm
from ink.auth.redirects import safe_next
from ink.auth.service import authenticate, load_user_from_session
from ink.extensions import login_manager, now
from ink.saving import commit_then_flash, form_page

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def _load_user(user_key: str):  # type: ignore[no-untyped-def]
    return load_user_from_session(user_key)


login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page explains itself
login_manager.session_protection = "strong"


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("events.dashboard")))
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "", now=now())
        if user is not None:
            session.clear()  # a fresh session at login: nothing from before survives
            login_user(user, remember=form.remember.data)
            commit_then_flash(_("Welcome, %(name)s.", name=user.display_name))
            return redirect(safe_next(form.next.data, url_for("events.dashboard")))
        form.password.errors.append(_("That email and password do not match an active account."))  # type: ignore[attr-defined]  # a list after validate()
    return form_page(render_template("auth/login.html", form=form), submitted=form.is_submitted())


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    logout_user()
    session.clear()
    commit_then_flash(_("You are signed out."), "info")
    return redirect(url_for("public.programme"))
