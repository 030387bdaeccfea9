"""Joining pages (blueprint ``joining``): the public /join form and its confirmation link, and the
coordinators' queue of applications under /manage/applications.

A submission that looks automated (the honeypot filled, the form sent faster than
JOIN_MIN_FILL_SECONDS after it was shown, or a stamp that is not ours) gets the same answer as a real
one and nothing is stored or sent. Real submissions are rate-limited per client and per address.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ink import ratelimit
from ink.core.errors import N_, DomainError
from ink.extensions import db, now
from ink.forms import apply_domain_error, language_choices, make_choices
from ink.organisations import joining
from ink.organisations.access import require_coordinator
from ink.organisations.forms import ApproveApplicationForm, DeclineApplicationForm, JoinForm
from ink.organisations.models import OrganisationApplication
from ink.organisations.service import all_topics
from ink.saving import commit_then_flash, form_page, invalid_form

bp = Blueprint("joining", __name__)

TOKEN_PROBLEMS = {
    "invalid": (400, N_("This link is not valid. Check that you copied all of it.")),
    "expired": (410, N_("This link has expired. Please send the application again.")),
    "used": (410, N_("This link was already used: the application is confirmed.")),
}


def _join_form() -> JoinForm:
    form = JoinForm()
    form.languages.choices = language_choices()
    form.topics.choices = make_choices([(topic.id, topic.display_name) for topic in all_topics()])
    return form


def _looks_automated(form: JoinForm, moment: datetime) -> bool:
    """The honeypot is filled, the stamp is not ours, or the form was sent faster than a person types."""
    if (form.homepage.data or "").strip():
        return True
    try:
        shown_at = joining.read_started_token(form.started.data or "", moment)
    except joining.BadJoinToken as error:
        return error.reason != "expired"  # an old form of ours is a person's (shown again), not a bot's
    return moment - shown_at < timedelta(seconds=int(current_app.config["JOIN_MIN_FILL_SECONDS"]))


def _too_old(form: JoinForm, moment: datetime) -> bool:
    try:
        joining.read_started_token(form.started.data or "", moment)
    except joining.BadJoinToken:
        return True  # expired (_looks_automated let only that through)
    return False


@bp.route("/join", methods=["GET", "POST"])
def join() -> ResponseReturnValue:
    moment = now()
    form = _join_form()
    if form.is_submitted() and _looks_automated(form, moment):
        db.session.rollback()
        return redirect(url_for("joining.sent"))  # the same answer as a real application; nothing kept
    if form.validate_on_submit():
        if _too_old(form, moment):
            form.started.errors = [_("This form was open for a long time. Please check it and send it again.")]
        else:
            ratelimit.refuse_unless_allowed("join-client", ratelimit.client_address(), now=moment)
            ratelimit.refuse_unless_allowed("join-address", form.applicant_email.data or "", now=moment,
                                            field="applicant_email")
            try:
                joining.apply_to_join(joining.ApplicationData(
                    name=form.name.data or "", applicant_name=form.applicant_name.data or "",
                    applicant_email=form.applicant_email.data or "", description=form.description.data or "",
                    website=form.website.data or None, contact_email=form.contact_email.data or None,
                    contact_phone=(form.contact_phone.data or "").strip() or None,
                    languages=list(form.languages.data or []), topic_ids=list(form.topics.data or []),
                ), locale=str(get_locale() or "en"), now=moment)
            except DomainError as error:
                apply_domain_error(form, error, "name")
            else:
                db.session.commit()
                return redirect(url_for("joining.sent"))
    form.started.data = joining.make_started_token(moment)  # a new form: its time starts now
    return form_page(render_template("organisations/join.html", form=form), submitted=form.is_submitted())


@bp.get("/join/sent")
def sent() -> ResponseReturnValue:
    return render_template("organisations/join_sent.html")


def _token_problem(error: joining.BadJoinToken) -> ResponseReturnValue:
    status, message = TOKEN_PROBLEMS[error.reason]
    return render_template("organisations/join_confirm.html", problem=_(message), application=None), status


@bp.route("/join/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> ResponseReturnValue:
    """GET shows the button (mail scanners open links); POST confirms."""
    moment = now()
    try:
        application = joining.application_for_token(token, moment)
    except joining.BadJoinToken as error:
        db.session.rollback()
        return _token_problem(error)
    if request.method == "POST":  # CSRF is checked for every POST (ink.extensions.csrf)
        joining.confirm_application(application, now=moment)
        commit_then_flash(_("Thank you: your application is confirmed. The coordinators will answer by email."))
        return redirect(url_for("joining.confirmed"))
    return render_template("organisations/join_confirm.html", application=application, problem=None)


@bp.get("/join/confirmed")
def confirmed() -> ResponseReturnValue:
    return render_template("organisations/join_confirmed.html")


# --- the coordinators' queue ------------------------------------------------------------------------

@bp.get("/manage/applications/")
@login_required
def applications() -> ResponseReturnValue:
    require_coordinator(current_user)
    return render_template("organisations/applications.html", waiting=joining.waiting_applications(),
                           decided=joining.decided_applications())


def _load_application(application_id: int) -> OrganisationApplication:
    application = joining.get_application(application_id)
    require_coordinator(current_user)
    return application


def _application_page(application: OrganisationApplication, approve_form: ApproveApplicationForm,
                      decline_form: DeclineApplicationForm) -> str:
    return render_template("organisations/application.html", application=application,
                           topics=joining.application_topics(application),
                           approve_form=approve_form, decline_form=decline_form)


@bp.get("/manage/applications/<int:application_id>")
@login_required
def application(application_id: int) -> ResponseReturnValue:
    application_ = _load_application(application_id)
    approve_form = ApproveApplicationForm(formdata=None, data={"name": application_.name})
    return _application_page(application_, approve_form, DeclineApplicationForm(formdata=None))


@bp.post("/manage/applications/<int:application_id>/approve")
@login_required
def application_approve(application_id: int) -> ResponseReturnValue:
    application_ = _load_application(application_id)
    form = ApproveApplicationForm()
    if form.validate_on_submit():
        try:
            organisation = joining.approve_application(application_, name=form.name.data or "",
                                                       slug=form.slug.data or None, by=current_user, now=now())
        except DomainError as error:
            if error.field is None:
                raise  # already decided: a 409 page, not a form error
            apply_domain_error(form, error, "name")
        else:
            commit_then_flash(_("%(name)s is approved and active; the applicant is told by email.",
                                name=organisation.name))
            return redirect(url_for("organisations.organisation_edit", organisation_id=organisation.id))
    return invalid_form(_application_page(application_, form, DeclineApplicationForm(formdata=None)))


@bp.post("/manage/applications/<int:application_id>/decline")
@login_required
def application_decline(application_id: int) -> ResponseReturnValue:
    application_ = _load_application(application_id)
    form = DeclineApplicationForm()
    if form.validate_on_submit():
        try:
            joining.decline_application(application_, message=form.message.data or "", by=current_user, now=now())
        except DomainError as error:
            if error.field is None:
                raise  # already decided: a 409 page, not a form error
            apply_domain_error(form, error, "message")
        else:
            commit_then_flash(_("The application of %(name)s is declined; the applicant is told by email.",
                                name=application_.name))
            return redirect(url_for("joining.applications"))
    approve_form = ApproveApplicationForm(formdata=None, data={"name": application_.name})
    return invalid_form(_application_page(application_, approve_form, form))
