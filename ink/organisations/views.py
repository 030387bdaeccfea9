"""Managing member organisations and their editors (blueprint ``organisations``).

Coordinators list, create, approve, archive and edit every organisation and manage its editors;
an editor edits their own organisations' profile only (not its address or status), and invites
editors to it unless EDITORS_MAY_INVITE is off. Accepting an invitation: invitation_views.py.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ink.core.errors import DomainError
from ink.extensions import db, now
from ink.forms import apply_domain_error, language_choices, make_choices, text_language_choices
from ink import ratelimit
from ink.organisations import invitations, service
from ink.organisations.access import (
    can_invite,
    editor_organisation_ids,
    is_coordinator,
    require_coordinator,
    require_inviter,
    require_organisation_manager,
)
from ink.organisations.forms import InviteForm, ModerationForm, OrganisationForm
from ink.organisations.models import Invitation, Membership, Organisation, OrganisationModeration, OrganisationStatus, Topic
from ink.organisations.text_versions import original_language_choices
from ink.pictures.editing import apply_picture_form, picture_form
from ink.pictures.images import PictureRefused
from ink.pictures.views import accepts_picture_upload
from ink.ratelimit import TooManyAttempts
from ink.saving import commit_then_flash, conflicting_edit, form_page, invalid_form, is_stale, stale_edit_message

bp = Blueprint("organisations", __name__, url_prefix="/manage/organisations")
PER_PAGE = 50


@bp.before_request
@login_required
def _require_login() -> None:
    return None


def _load(organisation_id: int) -> Organisation:
    organisation = service.get_organisation(organisation_id)
    require_organisation_manager(current_user, organisation)
    return organisation


def _load_for_coordinator(organisation_id: int) -> Organisation:
    organisation = service.get_organisation(organisation_id)
    require_coordinator(current_user)
    return organisation


@bp.get("/")
def organisation_list() -> ResponseReturnValue:
    status_arg = request.args.get("status", "")
    status = OrganisationStatus(status_arg) if status_arg in {s.value for s in OrganisationStatus} else None
    ids = None if is_coordinator(current_user) else editor_organisation_ids(current_user)
    page_arg = request.args.get("page", "1")
    page = db.paginate(service.organisations_query(status=status, ids=ids),
                       page=int(page_arg) if page_arg.isdigit() and 0 < int(page_arg) < 100_000 else 1,
                       per_page=PER_PAGE, error_out=False)
    return render_template("organisations/list.html", page=page, status=status,
                           statuses=list(OrganisationStatus), coordinator=is_coordinator(current_user))


def _form(organisation: Organisation | None, *, with_slug: bool) -> OrganisationForm:
    form = OrganisationForm(obj=organisation if request.method == "GET" else None)
    if not with_slug:
        del form.slug
    if request.method == "GET" and organisation is not None:
        form.topics.data = [topic.id for topic in organisation.topics]
        form.languages.data = organisation.languages
    form.topics.choices = make_choices([(topic.id, topic.display_name) for topic in service.all_topics()])
    form.languages.choices = language_choices(organisation.languages if organisation is not None else None)
    form.original_language.choices = text_language_choices(original_language_choices(organisation))
    return form


def _data(form: OrganisationForm) -> service.OrganisationData:
    topics = list(db.session.scalars(sa.select(Topic).where(Topic.id.in_(form.topics.data or []))))
    return service.OrganisationData(
        name=form.name.data or "",
        description=form.description.data or "",
        website=(form.website.data or "").strip() or None,
        contact_email=(form.contact_email.data or "").strip() or None,
        contact_phone=(form.contact_phone.data or "").strip() or None,
        languages=list(form.languages.data or []),
        topics=topics,
        slug=_slug(form),
        original_language=form.original_language.data or None,
    )


def _slug(form: OrganisationForm) -> str | None:
    field = form._fields.get("slug")
    return ((field.data or "").strip() or None) if field is not None else None


@bp.route("/new", methods=["GET", "POST"])
def organisation_new() -> ResponseReturnValue:
    require_coordinator(current_user)
    form = _form(None, with_slug=True)
    if form.validate_on_submit():
        try:
            organisation = service.create_organisation(_data(form), now=now(), status=OrganisationStatus.ACTIVE)
        except DomainError as error:
            apply_domain_error(form, error, "name")
        else:
            commit_then_flash(_("%(name)s is added.", name=organisation.name))
            return redirect(url_for("organisations.organisation_edit", organisation_id=organisation.id))
    return form_page(render_template("organisations/form.html", form=form, organisation=None),
                     submitted=form.is_submitted())


def _stale_form(form: OrganisationForm, organisation: Organisation, coordinator: bool) -> ResponseReturnValue:
    stored = OrganisationForm(formdata=None, obj=organisation)
    stored.topics.data = [topic.id for topic in organisation.topics]
    message = stale_edit_message(form, organisation, stored)
    return conflicting_edit(render_template("organisations/form.html", form=form, organisation=organisation,
                                            coordinator=coordinator, conflict=message))


@bp.route("/<int:organisation_id>/logo", methods=["GET", "POST"])
@accepts_picture_upload
def organisation_logo(organisation_id: int) -> ResponseReturnValue:
    """The organisation's logo: upload, replace, change its alt text, or remove it (its editors and coordinators)."""
    organisation = _load(organisation_id)
    form = picture_form(organisation.logo, filled=request.method == "GET")
    if form.validate_on_submit():
        try:
            organisation.logo = apply_picture_form(form, organisation.logo, now=now())
        except PictureRefused as error:
            apply_domain_error(form, error)
        else:
            commit_then_flash(_("The logo is saved.") if organisation.logo else _("The organisation has no logo now."))
            return redirect(url_for("organisations.organisation_edit", organisation_id=organisation.id))
    page = render_template("pictures/form.html", form=form, picture=organisation.logo,
                           heading=_("Logo of %(name)s", name=organisation.name),
                           action=url_for("organisations.organisation_logo", organisation_id=organisation.id),
                           back_url=url_for("organisations.organisation_edit", organisation_id=organisation.id))
    return form_page(page, submitted=form.is_submitted())


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
def organisation_edit(organisation_id: int) -> ResponseReturnValue:
    organisation = _load(organisation_id)
    coordinator = is_coordinator(current_user)
    form = _form(organisation, with_slug=coordinator)
    if form.validate_on_submit():
        if is_stale(form, organisation):
            return _stale_form(form, organisation, coordinator)
        data = _data(form)
        if not coordinator:
            data.slug = None  # editors cannot change the public address
        try:
            service.update_organisation(organisation, data, now=now())
        except DomainError as error:
            apply_domain_error(form, error, "name")
        else:
            commit_then_flash(_("Your changes are saved."))
            return redirect(url_for("organisations.organisation_edit", organisation_id=organisation.id))
    return form_page(render_template("organisations/form.html", form=form, organisation=organisation,
                                     coordinator=coordinator, moderation_form=_moderation_form(organisation)),
                     submitted=form.is_submitted())


def _moderation_form(organisation: Organisation, formdata: object = None) -> ModerationForm:
    form = ModerationForm(formdata=formdata)
    if formdata is None:
        form.moderation.data = organisation.moderation.value
    return form


@bp.post("/<int:organisation_id>/moderation")
def organisation_moderation(organisation_id: int) -> ResponseReturnValue:
    """Coordinators: make the organisation trusted or reviewed (ink/events/moderation.py)."""
    organisation = _load_for_coordinator(organisation_id)
    moderation_form = _moderation_form(organisation, formdata=request.form)
    if not moderation_form.validate():
        return invalid_form(render_template("organisations/form.html", form=_form(organisation, with_slug=True),
                                            organisation=organisation, coordinator=True,
                                            moderation_form=moderation_form))
    moderation = OrganisationModeration(moderation_form.moderation.data)
    service.set_organisation_moderation(organisation, moderation, now=now())
    commit_then_flash(_("%(name)s is trusted: its editors publish directly.", name=organisation.name)
                      if organisation.is_trusted else
                      _("%(name)s is reviewed: a coordinator approves its publishing and changes to public events.",
                        name=organisation.name))
    return redirect(url_for("organisations.organisation_edit", organisation_id=organisation.id))


def _set_status(organisation_id: int, status: OrganisationStatus, message: str) -> ResponseReturnValue:
    organisation = _load_for_coordinator(organisation_id)
    service.set_organisation_status(organisation, status, now=now())
    commit_then_flash(message % {"name": organisation.name})
    if request.form.get("back") == "list":
        return redirect(url_for("organisations.organisation_list"))
    return redirect(url_for("organisations.organisation_edit", organisation_id=organisation.id))


@bp.post("/<int:organisation_id>/approve")
def organisation_approve(organisation_id: int) -> ResponseReturnValue:
    return _set_status(organisation_id, OrganisationStatus.ACTIVE, _("%(name)s is approved and public."))


@bp.post("/<int:organisation_id>/archive")
def organisation_archive(organisation_id: int) -> ResponseReturnValue:
    return _set_status(organisation_id, OrganisationStatus.ARCHIVED, _("%(name)s is archived."))


def _members_page(organisation: Organisation, form: InviteForm) -> ResponseReturnValue:
    members = list(db.session.scalars(
        sa.select(Membership).where(Membership.organisation_id == organisation.id).join(Membership.user)
    ))
    return render_template("organisations/members.html", organisation=organisation, members=members, form=form,
                           invitations=invitations.pending_invitations(organisation), now=now(),
                           coordinator=is_coordinator(current_user),
                           may_invite=can_invite(current_user, organisation))


def _refuse_too_many(email: str) -> None:
    moment = now()
    ratelimit.refuse_unless_allowed("invitation-client", ratelimit.client_address(), now=moment, field="email")
    ratelimit.refuse_unless_allowed("invitation-address", email, now=moment, field="email")


@bp.route("/<int:organisation_id>/members", methods=["GET", "POST"])
def organisation_members(organisation_id: int) -> ResponseReturnValue:
    organisation = _load(organisation_id)
    form = InviteForm()
    if request.method == "POST":
        require_inviter(current_user, organisation)
    if form.validate_on_submit():
        email = form.email.data or ""
        try:
            _refuse_too_many(email)
            invitations.invite(organisation, email, invited_by=current_user._get_current_object(), now=now(),
                               locale=str(get_locale()))
        except TooManyAttempts as error:
            apply_domain_error(form, error, "email")
            return invalid_form(_members_page(organisation, form))[0], 429, {"Retry-After": str(error.retry_after)}
        except DomainError as error:
            apply_domain_error(form, error, "email")
        else:
            # The same answer whether or not the address has an account.
            commit_then_flash(_("An invitation is on its way to %(email)s.", email=email.strip().lower()))
            return redirect(url_for("organisations.organisation_members", organisation_id=organisation.id))
    return form_page(_members_page(organisation, form), submitted=form.is_submitted())


def _load_invitation(organisation_id: int, invitation_id: int) -> Invitation:
    organisation = service.get_organisation(organisation_id)
    require_inviter(current_user, organisation)
    return invitations.get_invitation(organisation, invitation_id)


@bp.post("/<int:organisation_id>/invitations/<int:invitation_id>/resend")
def invitation_resend(organisation_id: int, invitation_id: int) -> ResponseReturnValue:
    invitation = _load_invitation(organisation_id, invitation_id)
    _refuse_too_many(invitation.email)
    invitations.resend_invitation(invitation, now=now(), by=current_user._get_current_object())
    commit_then_flash(_("The invitation to %(email)s is sent again.", email=invitation.email))
    return redirect(url_for("organisations.organisation_members", organisation_id=organisation_id))


@bp.post("/<int:organisation_id>/invitations/<int:invitation_id>/revoke")
def invitation_revoke(organisation_id: int, invitation_id: int) -> ResponseReturnValue:
    invitation = _load_invitation(organisation_id, invitation_id)
    invitations.revoke_invitation(invitation, now=now())
    commit_then_flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email), "info")
    return redirect(url_for("organisations.organisation_members", organisation_id=organisation_id))


@bp.post("/<int:organisation_id>/members/<int:membership_id>/remove")
def organisation_member_remove(organisation_id: int, membership_id: int) -> ResponseReturnValue:
    organisation = _load_for_coordinator(organisation_id)
    service.remove_membership(organisation, membership_id)
    commit_then_flash(_("The editor is removed."))
    return redirect(url_for("organisations.organisation_members", organisation_id=organisation.id))
