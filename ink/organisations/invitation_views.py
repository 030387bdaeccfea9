"""Accepting an invitation (blueprint ``invitations``): the emailed link's page, open to everyone.

A signed-in person accepts with one button; anyone else either signs in (and comes back here) or makes
an account for the invited address. Making an account for an address that has one adds nothing and
answers neutrally: its owner signs in to accept, so the page never tells who has an account.
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ink.auth.sessions import sign_in
from ink.core.errors import DomainError
from ink.extensions import now
from ink.forms import apply_domain_error
from ink.organisations import invitations
from ink.organisations.forms import AcceptWithAccountForm
from ink.organisations.invitations import InvitationUnusable
from ink.organisations.models import Invitation
from ink.saving import commit_then_flash, form_page

bp = Blueprint("invitations", __name__, url_prefix="/invitations")


def _unusable(error: InvitationUnusable) -> ResponseReturnValue:
    return render_template("organisations/invitation_unusable.html", reason=error.reason,
                           message=_(error.message)), error.status_code


def _page(invitation: Invitation, token: str, form: AcceptWithAccountForm, *, existing: bool = False) -> ResponseReturnValue:
    return render_template("organisations/invitation.html", invitation=invitation, token=token, form=form,
                           existing=existing)


@bp.route("/<token>", methods=["GET", "POST"])
def accept(token: str) -> ResponseReturnValue:
    try:
        invitation = invitations.read_invitation(token, now=now())
    except InvitationUnusable as error:
        return _unusable(error)
    form = AcceptWithAccountForm()
    if current_user.is_authenticated:
        return _page(invitation, token, form)
    if form.validate_on_submit():
        try:
            user = invitations.accept_with_new_account(invitation, name=form.name.data or "",
                                                       password=form.password.data or "", now=now())
        except DomainError as error:
            apply_domain_error(form, error, "password")
        else:
            if user is None:
                # Said the same way to anyone: whoever holds the link signs in instead.
                return _page(invitation, token, AcceptWithAccountForm(formdata=None), existing=True)
            sign_in(user)
            commit_then_flash(_("Welcome, %(name)s. You are now an editor of %(organisation)s.",
                                name=user.display_name, organisation=invitation.organisation.name))
            return redirect(url_for("events.dashboard"))
    return form_page(_page(invitation, token, form), submitted=form.is_submitted())


@bp.post("/<token>/accept")
@login_required
def accept_signed_in(token: str) -> ResponseReturnValue:
    try:
        invitation = invitations.read_invitation(token, now=now())
    except InvitationUnusable as error:
        return _unusable(error)
    invitations.accept_invitation(invitation, current_user._get_current_object(), now=now())
    commit_then_flash(_("You are now an editor of %(organisation)s.", organisation=invitation.organisation.name))
    return redirect(url_for("events.dashboard"))
