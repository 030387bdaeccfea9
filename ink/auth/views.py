"""Auth pages: sign in and out, forgotten password, the account page, confirming a new email address,
and the coordinators' people page. Thin: the rules live in auth.service; no other domain here."""
from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from ink import ratelimit
from ink.auth import service
from ink.auth.forms import (
    EmailChangeForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
    ProfileForm,
)
from ink.auth.models import User, normalise_email
from ink.auth.redirects import safe_next
from ink.auth.service import LinkUnusable
from ink.auth.sessions import sign_in, sign_out
from ink.core.errors import N_, NP_, DomainError, Forbidden, NotFound
from ink.extensions import login_manager, now
from ink.forms import apply_domain_error, make_choices
from ink.i18n import LANGUAGE_COOKIE, language_name, supported_languages
from ink.ratelimit import TooManyAttempts
from ink.saving import commit, commit_then_flash, form_page, invalid_form

bp = Blueprint("auth", __name__)

SIGNIN_ACCOUNT, SIGNIN_CLIENT = "signin-account", "signin-client"


@login_manager.user_loader
def _load_user(user_key: str) -> User | None:
    return service.load_user_from_session(user_key)


login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page explains itself
login_manager.session_protection = "strong"


# --- sign in and out ------------------------------------------------------------------------------

def _refuse_signin_if_limited(email: str) -> None:
    """Too many failures for this address or this client: refused (429) before any password is checked."""
    moment = now()
    for rule, key in ((SIGNIN_ACCOUNT, normalise_email(email)), (SIGNIN_CLIENT, ratelimit.client_address())):
        if ratelimit.is_exceeded(rule, key, now=moment):
            raise TooManyAttempts(NP_("Too many failed sign-in attempts. Please try again in %(minutes)s minute.", "Too many failed sign-in attempts. Please try again in %(minutes)s minutes.", "minutes"),
                                  "password", retry_after=ratelimit.retry_after(rule, now=moment))


def _count_failure(email: str) -> None:
    """Count a failed sign-in for the address and the client, then slow the answer down as failures grow."""
    moment, config = now(), current_app.config
    failures = 0
    for rule, key in ((SIGNIN_ACCOUNT, normalise_email(email)), (SIGNIN_CLIENT, ratelimit.client_address())):
        ratelimit.hit(rule, key, now=moment)
        failures = max(failures, ratelimit.count(rule, key, now=moment))
    extra = failures - int(config["SIGNIN_SLOWDOWN_AFTER"])
    if extra > 0:
        delay = min(float(config["SIGNIN_SLOWDOWN_SECONDS"]) * extra, float(config["SIGNIN_SLOWDOWN_MAX_SECONDS"]))
        if delay > 0:
            time.sleep(delay)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("events.dashboard")))
    if form.validate_on_submit():
        email = form.email.data or ""
        try:
            _refuse_signin_if_limited(email)
        except TooManyAttempts as error:
            apply_domain_error(form, error, "password")
            return invalid_form(render_template("auth/login.html", form=form))[0], 429, \
                {"Retry-After": str(error.retry_after)}
        user = service.authenticate(email, form.password.data or "", now=now())
        if user is not None:
            sign_in(user, remember=bool(form.remember.data))
            ratelimit.clear(SIGNIN_ACCOUNT, normalise_email(email), now=now())
            commit_then_flash(_("Welcome, %(name)s.", name=user.display_name))
            return redirect(safe_next(form.next.data, url_for("events.dashboard")))
        _count_failure(email)
        form.password.errors.append(_("That email and password do not match an active account."))  # type: ignore[attr-defined]  # a list after validate()
    return form_page(render_template("auth/login.html", form=form), submitted=form.is_submitted())


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    sign_out()
    commit_then_flash(_("You are signed out."), "info")
    return redirect(url_for("public.programme"))


# --- forgotten password ---------------------------------------------------------------------------

@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email, moment = form.email.data or "", now()
        # Refused attempts get the same answer and send nothing.
        allowed = ratelimit.hit("password-reset-client", ratelimit.client_address(), now=moment)
        allowed = ratelimit.hit("password-reset-address", email, now=moment) and allowed
        if allowed:
            service.request_password_reset(email, now=moment, locale=str(get_locale()))
        commit_then_flash(_("If an account uses %(email)s, we have sent it a link to choose a new password. "
                            "The link works for an hour.", email=normalise_email(email)), "info")
        return redirect(url_for("auth.login"))
    return form_page(render_template("auth/forgot.html", form=form), submitted=form.is_submitted())


def _link_unusable(error: LinkUnusable) -> ResponseReturnValue:
    return render_template("auth/link_unusable.html", reason=error.reason, message=_(error.message)), error.status_code


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    try:
        user = service.read_password_reset(token, now=now())
    except LinkUnusable as error:
        return _link_unusable(error)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            service.reset_password(user, form.password.data or "")
        except DomainError as error:
            apply_domain_error(form, error, "password")
        else:
            if current_user.is_authenticated:
                sign_out()
            sign_in(user)  # every other sign-in ended; this browser starts a fresh one
            commit_then_flash(_("Your new password is set. You are signed in; every other device is signed out."))
            return redirect(url_for("events.dashboard"))
    return form_page(render_template("auth/reset.html", form=form, token=token), submitted=form.is_submitted())


# --- the account page -----------------------------------------------------------------------------

def _profile_form() -> ProfileForm:
    user = current_user
    form = ProfileForm(prefix="profile", obj=user if request.method == "GET" else None)
    form.locale.choices = make_choices([("", _("The browser's language")),
                                        *((code, language_name(code)) for code in supported_languages())])
    return form


def _account_page(**forms: Any) -> ResponseReturnValue:
    forms.setdefault("profile", _profile_form())
    forms.setdefault("email_form", EmailChangeForm(prefix="email", formdata=None))
    forms.setdefault("password_form", PasswordChangeForm(prefix="password", formdata=None))
    return render_template("auth/account.html", session_count=service.session_count(current_user), **forms)


@bp.get("/account")
@login_required
def account() -> ResponseReturnValue:
    return _account_page()


@bp.post("/account/profile")
@login_required
def account_profile() -> ResponseReturnValue:
    form = _profile_form()
    if not form.validate_on_submit():
        return invalid_form(_account_page(profile=form))
    locale = form.locale.data or None
    service.update_profile(current_user._get_current_object(), name=form.name.data or "", locale=locale)
    commit_then_flash(_("Your changes are saved."))
    response = redirect(url_for("auth.account"))
    if locale:  # the chosen language wins over an earlier choice made on the public site
        response.set_cookie(LANGUAGE_COOKIE, locale, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.post("/account/email")
@login_required
def account_email() -> ResponseReturnValue:
    form = EmailChangeForm(prefix="email")
    if form.validate_on_submit():
        email, moment = form.email.data or "", now()
        try:
            ratelimit.refuse_unless_allowed("email-change-client", ratelimit.client_address(), now=moment, field="email")
            ratelimit.refuse_unless_allowed("email-change-address", email, now=moment, field="email")
            service.request_email_change(current_user._get_current_object(), email, form.password.data or "", now=moment)
        except TooManyAttempts as error:
            apply_domain_error(form, error, "email")
            return invalid_form(_account_page(email_form=form))[0], 429, {"Retry-After": str(error.retry_after)}
        except DomainError as error:
            apply_domain_error(form, error, "email")
        else:
            # The same answer whether or not another account uses the address (then nothing is sent).
            commit_then_flash(_("We have sent a link to %(email)s. Your address changes when you open it.",
                                email=normalise_email(email)), "info")
            return redirect(url_for("auth.account"))
    return invalid_form(_account_page(email_form=form))


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str) -> ResponseReturnValue:
    try:
        user, new_email = service.read_email_change(token, now=now())
    except LinkUnusable as error:
        return _link_unusable(error)
    if request.method == "GET":  # a link preview must not change anything: the button does
        return render_template("auth/confirm_email.html", token=token, email=new_email)
    try:
        service.confirm_email_change(user, new_email, now=now())
    except DomainError as error:
        commit()  # the link is used up all the same
        return render_template("auth/link_unusable.html", reason="taken", message=_(error.message)), 409
    commit_then_flash(_("Your email address is now %(email)s.", email=new_email))
    return redirect(url_for("auth.account") if current_user.is_authenticated else url_for("auth.login"))


@bp.post("/account/password")
@login_required
def account_password() -> ResponseReturnValue:
    form = PasswordChangeForm(prefix="password")
    if form.validate_on_submit():
        try:
            service.change_password(current_user._get_current_object(), form.current_password.data or "",
                                    form.password.data or "")
        except DomainError as error:
            apply_domain_error(form, error, "password")
        else:
            commit_then_flash(_("Your new password is set. Your other devices are signed out."))
            return redirect(url_for("auth.account"))
    return invalid_form(_account_page(password_form=form))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere() -> ResponseReturnValue:
    sign_out(everywhere=True)
    commit_then_flash(_("You are signed out on every device."), "info")
    return redirect(url_for("auth.login"))


# --- coordinators: people -------------------------------------------------------------------------

def _require_coordinator() -> None:
    if not current_user.is_coordinator:
        raise Forbidden(N_("Only coordinators can do that."))


@bp.get("/manage/people")
@login_required
def people() -> ResponseReturnValue:
    _require_coordinator()
    return render_template("auth/people.html", users=service.all_users())


def _set_active(user_id: int, active: bool) -> ResponseReturnValue:
    _require_coordinator()
    user = service.get_user(user_id)
    if user is None:
        raise NotFound(N_("No such account."))
    service.set_account_active(user, active, by=current_user._get_current_object())
    if active:
        commit_then_flash(_("%(name)s can sign in again.", name=user.display_name))
    else:
        commit_then_flash(_("%(name)s is deactivated and signed out everywhere.", name=user.display_name), "info")
    return redirect(url_for("auth.people"))


@bp.post("/manage/people/<int:user_id>/deactivate")
@login_required
def person_deactivate(user_id: int) -> ResponseReturnValue:
    return _set_active(user_id, False)


@bp.post("/manage/people/<int:user_id>/reactivate")
@login_required
def person_reactivate(user_id: int) -> ResponseReturnValue:
    return _set_active(user_id, True)
