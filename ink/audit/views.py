"""The coordinators' audit log page, /manage/audit: filter, page back, read each change's before and after."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ink.audit import service
from ink.audit.forms import AuditFilterForm
from ink.audit.labels import ACTION_LABELS, KIND_LABELS
from ink.extensions import db, network_timezone
from ink.forms import make_choices
from ink.organisations.access import require_coordinator
from ink.organisations.models import Organisation
from ink.saving import invalid_form

bp = Blueprint("audit", __name__)


def _kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def _filter_form(organisations: dict[int, str]) -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    form.organisation.choices = make_choices([("", _("Any organisation"))] + [
        (str(organisation_id), name) for organisation_id, name in organisations.items()])
    form.person.choices = make_choices([("", _("Anyone")), (service.SYSTEM, _("The system"))] + [
        (str(actor_id), name or f"#{actor_id}") for actor_id, name in service.logged_actors()])
    kinds = sorted(set(service.logged_kinds()) | set(KIND_LABELS), key=lambda kind: _kind_label(kind).casefold())
    form.kind.choices = make_choices([("", _("Any object"))] + [(kind, _kind_label(kind)) for kind in kinds])
    return form


def _filter(form: AuditFilterForm) -> service.AuditFilter:
    person = form.person.data or ""
    return service.AuditFilter(
        organisation_id=int(form.organisation.data) if form.organisation.data else None,
        actor=service.SYSTEM if person == service.SYSTEM else (int(person) if person else None),
        object_kind=form.kind.data or None,
        object_id=form.object_id.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        before_id=form.before.data,
    )


@bp.get("/manage/audit")
@login_required
def audit_log() -> ResponseReturnValue:
    require_coordinator(current_user)
    organisations = dict(db.session.execute(
        sa.select(Organisation.id, Organisation.name).order_by(Organisation.name)).tuples().all())
    form = _filter_form(organisations)
    submitted = bool(request.args)
    if submitted and not form.validate():
        return invalid_form(_page(form, [], None, organisations))
    entries, next_before = service.audit_page(_filter(form), tz=network_timezone())
    return _page(form, entries, next_before, organisations)


def _page(form: AuditFilterForm, entries: list[Any], next_before: int | None, organisations: dict[int, str]) -> str:
    older_args = {key: value for key, value in request.args.items() if key != "before" and value}
    return render_template(
        "audit/log.html", form=form, entries=entries, next_before=next_before, older_args=older_args,
        organisations=organisations, action_labels=ACTION_LABELS, kind_label=_kind_label,
        is_first_page=not form.before.data,
    )
