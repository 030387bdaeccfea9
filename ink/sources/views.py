"""The manage screens of calendar sources (blueprint ``sources``, under /manage/sources): the list,
connecting with a preview, a source's page, "Sync now", editing defaults, disconnecting; and the demo
calendar's own file (/demo/calendar.ics), which the demo network's source reads."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ink.core.errors import N_, Forbidden, ValidationFailed
from ink.events.models import Audience, Venue
from ink.extensions import db, now
from ink.forms import apply_domain_error, make_choices
from ink.organisations.access import (
    can_manage_organisation,
    editor_organisation_ids,
    is_coordinator,
    manageable_organisations,
    require_organisation_manager,
)
from ink.organisations.models import Organisation, Topic
from ink.organisations.service import all_topics
from ink.saving import commit, commit_then_flash, invalid_form
from ink.sources import service
from ink.sources.forms import SourceForm
from ink.sources.mapping import MappedCalendar
from ink.sources.models import CalendarSource
from ink.sources.sync import sync_source

bp = Blueprint("sources", __name__)
DEMO_CALENDAR = Path(__file__).resolve().parent / "demo_calendar.ics"
PREVIEW_DATES = 5


def _load(source_id: int) -> CalendarSource:
    source = service.get_source(source_id)
    if not can_manage_organisation(current_user, source.organisation):
        raise Forbidden(N_("You cannot manage this calendar source."))
    return source


def _form(source: CalendarSource | None = None) -> SourceForm:
    form = SourceForm()
    organisations = manageable_organisations(current_user)
    form.organisation.choices = make_choices([(o.id, o.name) for o in organisations])
    form.venue.choices = make_choices([("", _("No default venue"))] +
                                      [(v.id, v.name) for v in db.session.scalars(sa.select(Venue).order_by(Venue.name))])
    form.topics.choices = make_choices([(t.id, _(t.name)) for t in all_topics()])
    if not is_coordinator(current_user):
        del form.needs_moderation
    if source is not None and request.method == "GET":
        form.url.data, form.name.data, form.organisation.data = source.url, source.name, source.organisation_id
        form.venue.data, form.topics.data = source.venue_id, [t.id for t in source.topics]
        form.audience.data, form.is_drop_in.data = source.audience or "", source.is_drop_in
        if "needs_moderation" in form:
            form.needs_moderation.data = source.needs_moderation
    return form


def _data(form: SourceForm, name: str) -> service.SourceData:
    organisation = db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
    if organisation is None:
        raise ValidationFailed(N_("Choose an organisation."), "organisation")
    require_organisation_manager(current_user, organisation)
    venue = db.session.get(Venue, form.venue.data) if form.venue.data else None
    topics = list(db.session.scalars(sa.select(Topic).where(Topic.id.in_(form.topics.data or []))))
    audience = Audience(form.audience.data) if form.audience.data else None
    return service.SourceData(
        organisation=organisation, url=form.url.data or "", name=(form.name.data or "").strip() or name,
        venue=venue, topics=topics, audience=audience, is_drop_in=bool(form.is_drop_in.data),
        needs_moderation=bool(form.needs_moderation.data) if "needs_moderation" in form else None,
    )


def _preview_rows(mapped: MappedCalendar) -> list[dict[str, Any]]:
    rows = []
    for event in mapped.events:
        live = event.live_instances
        if not live:
            continue
        rows.append({
            "title": event.title, "count": len(live), "problem": event.problem, "is_cancelled": event.is_cancelled,
            "dates": [i.start_at for i in live[:PREVIEW_DATES]],
            "is_all_day": event.is_all_day,
        })
    return rows


@bp.get("/manage/sources/")
@login_required
def source_list() -> ResponseReturnValue:
    """The sources of the organisations the user manages (all for a coordinator)."""
    ids = None if is_coordinator(current_user) else editor_organisation_ids(current_user)
    if ids is not None and not ids:
        raise Forbidden(N_("You are not an editor of any organisation yet."))
    return render_template("sources/list.html", sources=service.sources_of(ids))


@bp.route("/manage/sources/new", methods=["GET", "POST"])
@login_required
def source_new() -> ResponseReturnValue:
    """Connect a calendar: the first POST shows a preview; the confirming POST saves and syncs."""
    if not manageable_organisations(current_user):
        raise Forbidden(N_("You are not an editor of any organisation yet."))
    form = _form()
    preview = None
    if request.method == "POST" and form.validate():
        try:
            mapped = service.preview_source(form.url.data or "", now=now())
            data = _data(form, mapped.name or _("Calendar"))
            if request.form.get("confirmed") == "yes":
                source = service.create_source(data, now=now())
                commit()
                result = sync_source(source.id, now=now())
                flash(_("The calendar is connected: %(created)s events imported.", created=result.created), "success")
                return redirect(url_for("sources.show", source_id=source.id))
            preview = {"name": data.name, "rows": _preview_rows(mapped)}
            if not form.name.data:
                form.name.data = data.name
        except ValidationFailed as error:
            apply_domain_error(form, error)
    if request.method == "POST" and preview is None:
        return invalid_form(render_template("sources/form.html", form=form, source=None, preview=None))
    return render_template("sources/form.html", form=form, source=None, preview=preview)


@bp.get("/manage/sources/<int:source_id>")
@login_required
def show(source_id: int) -> ResponseReturnValue:
    """A source's page: status, last sync, counts, what was not expressible, its events."""
    source = _load(source_id)
    moment = now()
    return render_template("sources/show.html", source=source, counts=service.source_counts(source, now=moment),
                           series=service.source_series(source))


@bp.post("/manage/sources/<int:source_id>/sync")
@login_required
def sync_now(source_id: int) -> ResponseReturnValue:
    """Sync now (whatever the interval)."""
    source = _load(source_id)
    result = sync_source(source.id, now=now())
    if result.outcome == "failed":
        flash(_("The calendar could not be synced: %(reason)s", reason=_(result.message, **result.params)), "error")
    elif result.outcome == "busy":
        flash(_("The calendar is being synced right now."), "warning")
    elif result.outcome == "synced":
        flash(_("Synced: %(created)s new, %(updated)s changed, %(removed)s removed.", created=result.created,
                updated=result.updated, removed=result.removed), "success")
    else:
        flash(_("Synced: nothing has changed."), "success")
    return redirect(url_for("sources.show", source_id=source_id))


@bp.route("/manage/sources/<int:source_id>/edit", methods=["GET", "POST"])
@login_required
def edit(source_id: int) -> ResponseReturnValue:
    """Change the address, name and defaults of a source."""
    source = _load(source_id)
    form = _form(source)
    if request.method == "POST":
        if form.validate():
            try:
                data = _data(form, source.name)
                if data.organisation.id != source.organisation_id:
                    raise ValidationFailed(N_("A source stays with its organisation."), "organisation")
                service.update_source(source, data)
                commit_then_flash(_("Your changes are saved."))
                return redirect(url_for("sources.show", source_id=source.id))
            except ValidationFailed as error:
                apply_domain_error(form, error)
        return invalid_form(render_template("sources/form.html", form=form, source=source, preview=None))
    return render_template("sources/form.html", form=form, source=source, preview=None)


@bp.route("/manage/sources/<int:source_id>/disconnect", methods=["GET", "POST"])
@login_required
def disconnect(source_id: int) -> ResponseReturnValue:
    """Disconnect after confirming: the imported events stay as ordinary events."""
    source = _load(source_id)
    if request.method == "POST" and request.form.get("confirmed") == "yes":
        count = service.disconnect_source(source)
        commit_then_flash(ngettext("The calendar is disconnected; its %(num)s event stays as an ordinary event.",
                                   "The calendar is disconnected; its %(num)s events stay as ordinary events.", count))
        return redirect(url_for("sources.source_list"))
    return render_template("sources/disconnect.html", source=source)


@bp.get("/demo/calendar.ics")
def demo_calendar() -> ResponseReturnValue:
    """The demo network's sample calendar (what a member organisation's own calendar would publish)."""
    return Response(DEMO_CALENDAR.read_bytes(), mimetype="text/calendar")
