"""The manage area: dashboard, series, occurrences and venues (blueprint ``events`` under /manage).

Views are thin: load (404), authorise (403), parse the form, call a service, commit then flash,
redirect (ink.saving). A form with errors is shown again by ``invalid_form`` (422); an edit from an
out-of-date form by ``conflicting_edit`` (409).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ink.core.errors import N_, Forbidden, ValidationFailed
from ink.core.time import local_to_utc, utc_to_local
from ink.events import consent, moderation, recurrence, service
from ink.events.access import require_series_manager, require_venue_manager
from ink.events.clash_text import clash_warnings
from ink.events.clashes import occurrence_clashes, series_clashes
from ink.events.forms import CancelForm, MoveOccurrenceForm, SeriesForm, VenueForm
from ink.events.models import Audience, CoorganiserStatus, EventSeries, Occurrence, SeriesStatus, Venue
from ink.events.moderation_views import request_rows
from ink.events.recurrence import RecurrenceError
from ink.events.summary import describe_schedule, schedule_summary
from ink.extensions import db, now
from ink.forms import apply_domain_error, language_choices, make_choices, text_language_choices
from ink.i18n import fmt_date, fmt_datetime, fmt_time
from ink.organisations.access import (
    can_manage_organisation,
    editor_organisation_ids,
    is_coordinator,
    manageable_organisations,
    require_organisation_manager,
)
from ink.organisations.models import Organisation, OrganisationStatus, Topic
from ink.organisations.service import all_topics
from ink.organisations.text_versions import original_language_choices
from ink.pictures.editing import apply_picture_form, picture_form
from ink.pictures.images import PictureRefused
from ink.pictures.views import accepts_picture_upload
from ink.saving import commit_then_flash, conflicting_edit, form_page, invalid_form, is_stale, stale_edit_message
from ink.web import is_possible_id

bp = Blueprint("events", __name__, url_prefix="/manage")

PER_PAGE = 25
OCCURRENCES_PER_PAGE = 20
PREVIEW_COUNT = 8
DECIDED_REQUESTS_SHOWN = 100  # the co-organiser requests page lists this many answered ones, latest first


@bp.before_request
@login_required
def _require_login() -> None:
    """Everything under /manage needs an account; roles are checked per object."""
    return None


def _page_arg(name: str = "page") -> int:
    value = request.args.get(name, "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


# --- dashboard ----------------------------------------------------------------------------------

@bp.get("/")
def dashboard() -> ResponseReturnValue:
    moment = now()
    coordinator = is_coordinator(current_user)
    org_ids = None if coordinator else editor_organisation_ids(current_user)
    context: dict[str, Any] = {
        "coordinator": coordinator,
        "organisations": manageable_organisations(current_user),
        "recent_series": list(db.session.scalars(service.series_query(organisation_ids=org_ids).limit(10))),
        "drafts": list(db.session.scalars(
            service.series_query(organisation_ids=org_ids, status=SeriesStatus.DRAFT).limit(10))),
        "coorganiser_requests": consent.count_pending(org_ids),
    }
    if coordinator:
        context["pending"] = list(db.session.scalars(
            sa.select(Organisation).where(Organisation.status == OrganisationStatus.PENDING)
            .order_by(Organisation.created_at)
        ))
        context["counts"] = _counts(moment)
    return render_template("events/dashboard.html", **context)


def _counts(moment: datetime) -> dict[str, int]:
    def count(query: sa.Select[Any]) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0

    return {
        "organisations": count(sa.select(Organisation.id).where(Organisation.status == OrganisationStatus.ACTIVE)),
        "published": count(sa.select(EventSeries.id).where(EventSeries.status == SeriesStatus.PUBLISHED)),
        "drafts": count(sa.select(EventSeries.id).where(EventSeries.status == SeriesStatus.DRAFT)),
        "next_week": count(
            sa.select(Occurrence.id).join(Occurrence.series)
            .where(Occurrence.takes_place_clause(), Occurrence.start_at >= moment,
                   Occurrence.start_at < moment + timedelta(days=7))
        ),
    }


# --- series: list, create, edit -----------------------------------------------------------------

@bp.get("/series/")
def series_list() -> ResponseReturnValue:
    organisations = manageable_organisations(current_user)
    org_ids = None if is_coordinator(current_user) else {org.id for org in organisations}
    organisation_id = request.args.get("organisation", "")
    status = request.args.get("status", "")
    chosen_org = int(organisation_id) if organisation_id.isdigit() and is_possible_id(int(organisation_id)) else None
    chosen_status = SeriesStatus(status) if status in {s.value for s in SeriesStatus} else None
    query = service.series_query(organisation_ids=org_ids, organisation_id=chosen_org, status=chosen_status)
    page = db.paginate(query, page=_page_arg(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "events/series_list.html", page=page, organisations=organisations,
        chosen_org=chosen_org, chosen_status=chosen_status, statuses=list(SeriesStatus),
    )


def _series_form(series: EventSeries | None = None) -> SeriesForm:
    form = SeriesForm()
    organisations = manageable_organisations(current_user)
    if series is not None and series.organisation not in organisations:
        organisations.append(series.organisation)  # a coordinator's choice; the server re-checks
    form.organisation.choices = make_choices([("", _("Choose…"))] + [(org.id, org.name) for org in organisations])
    others = db.session.scalars(
        sa.select(Organisation).where(Organisation.status != OrganisationStatus.ARCHIVED).order_by(Organisation.name)
    )
    current_coorganisers = list(series.coorganisers) if series is not None else []
    form.coorganisers.choices = make_choices(
        (org.id, org.name) for org in dict.fromkeys([*others, *current_coorganisers])
    )
    form.venue.choices = make_choices([("", _("No venue / online"))] + [(v.id, v.name) for v in service.all_venues()])
    form.topics.choices = make_choices([(topic.id, topic.display_name) for topic in all_topics()])
    form.languages.choices = language_choices(series.languages if series is not None else None)
    form.original_language.choices = text_language_choices(original_language_choices(series))
    return form


def _series_data(form: SeriesForm, series: EventSeries | None) -> service.SeriesData:
    """Cleaned form data as objects; ids are re-checked against what this user may use."""
    organisation = db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
    if organisation is None:
        raise ValidationFailed(N_("Choose the organiser."), "organisation")
    require_organisation_manager(current_user, organisation)
    venue = db.session.get(Venue, form.venue.data) if form.venue.data else None
    coorganisers = list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(form.coorganisers.data or []))))
    topics = list(db.session.scalars(sa.select(Topic).where(Topic.id.in_(form.topics.data or []))))
    return service.SeriesData(
        title=form.title.data or "",
        organisation=organisation,
        start_local=form.start_local(),
        recurrence=form.recurrence(),
        duration_minutes=form.duration_minutes(),
        is_all_day=bool(form.is_all_day.data),
        all_day_days=form.all_day_days.data or 1,
        description_html=form.description.data or "",
        coorganisers=coorganisers,
        venue=venue,
        topics=topics,
        languages=list(form.languages.data or []),
        audiences=[Audience(value) for value in form.audiences.data or []],
        audience_note=form.audience_note.data or "",
        age_min=form.age_min.data,
        age_max=form.age_max.data,
        is_drop_in=bool(form.is_drop_in.data),
        registration_url=(form.registration_url.data or "").strip() or None,
        timezone=_timezone(series),
        consenting=frozenset(org.id for org in coorganisers if can_manage_organisation(current_user, org)),
        saved_by_id=current_user.id,
        original_language=form.original_language.data or None,
    )


def _timezone(series: EventSeries | None) -> str:
    return series.timezone if series is not None else str(current_app.config["TIMEZONE"])


def _when(start: datetime, all_day: bool) -> str:
    """One preview line: the date, and the time unless the event lasts all day."""
    return fmt_date(start, "full") if all_day else fmt_datetime(start, "full")


def _preview(form: SeriesForm, series: EventSeries | None) -> dict[str, Any] | None:
    """Summary and next dates of the schedule in the form, or None when it has errors."""
    if form.schedule_errors():
        return None
    start_local, rec = form.start_local(), form.recurrence()
    tz = _timezone(series)
    try:
        rrule = recurrence.to_rrule(rec, start_local, tz, all_day=bool(form.is_all_day.data))
    except RecurrenceError as error:
        apply_domain_error(form, ValidationFailed(error.message, error.field, **error.params))
        return None
    summary = describe_schedule(rec, start_local, duration=form.duration(), all_day=bool(form.is_all_day.data),
                                all_day_days=form.all_day_days.data or 1)
    starts = recurrence.first_instances(rrule, start_local, tz, now(), PREVIEW_COUNT,
                                        all_day=bool(form.is_all_day.data))
    return {"summary": summary, "dates": [_when(start, bool(form.is_all_day.data)) for start in starts]}


def _render_series_form(form: SeriesForm, series: EventSeries | None, preview: dict[str, Any] | None,
                        conflict: str | None = None) -> str:
    return render_template("events/series_form.html", form=form, series=series, preview=preview, conflict=conflict)


def _stale_series_form(form: SeriesForm, series: EventSeries) -> ResponseReturnValue:
    stored = SeriesForm(formdata=None)
    stored.fill_from(series)
    return conflicting_edit(_render_series_form(form, series, None, stale_edit_message(form, series, stored)))


def _save_series(form: SeriesForm, series: EventSeries | None) -> ResponseReturnValue:
    if "preview" in request.form:
        form.validate()
        form.keep_only_schedule_errors()
        preview = _preview(form, series)
        return form_page(_render_series_form(form, series, preview), submitted=preview is None)
    if form.validate():
        if series is not None and is_stale(form, series):
            return _stale_series_form(form, series)
        try:
            data = _series_data(form, series)
            if series is None:
                series = service.create_series(data, now=now())
                warnings = clash_warnings(current_user, series_clashes(series, now=now()))
                commit_then_flash(_("The event is saved as a draft. Publish it when it is ready."))
            elif moderation.save_series_edit(series, data, by=current_user, now=now()) is not None:
                commit_then_flash(_("Your changes to the title, description, time or venue wait for a coordinator's "
                                    "review; until then the public sees the approved version. Other changes are "
                                    "saved."), "warning")
                warnings = []
            else:
                warnings = clash_warnings(current_user, series_clashes(series, now=now()))
                commit_then_flash(_("Your changes are saved."))
            _flash_warnings(warnings)
            return redirect(url_for("events.series_detail", series_id=series.id))
        except Forbidden:
            form.organisation.errors = [*form.organisation.errors, _("You cannot add events for that organisation.")]
        except ValidationFailed as error:
            apply_domain_error(form, error)
        except RecurrenceError as error:
            apply_domain_error(form, ValidationFailed(error.message, error.field, **error.params))
    return invalid_form(_render_series_form(form, series, None))


def _flash_warnings(warnings: list[str]) -> None:
    """After the success message: what the save did not block but should be known (venue clashes)."""
    for warning in warnings:
        flash(warning, "warning")


@bp.route("/series/new", methods=["GET", "POST"])
def series_new() -> ResponseReturnValue:
    if not manageable_organisations(current_user):
        raise Forbidden(N_("You are not an editor of any organisation yet."))
    form = _series_form()
    if request.method == "GET":
        organisations = manageable_organisations(current_user)
        if len(organisations) == 1:
            form.organisation.data = organisations[0].id
        return _render_series_form(form, None, None)
    return _save_series(form, None)


@bp.route("/series/<int:series_id>/edit", methods=["GET", "POST"])
def series_edit(series_id: int) -> ResponseReturnValue:
    series = _load_series(series_id)
    form = _series_form(series)
    _mark_source_owned(form, series)
    if request.method == "GET":
        pending = moderation.pending_change(series)
        form.fill_from(moderation.ProposedSeries(series, pending.proposed) if pending else series)  # type: ignore[arg-type]
        form.version.data = str(series.version)
        preview = None if form.unexpressed_rule else _preview_of(series)
        return _render_series_form(form, series, preview)
    return _save_series(form, series)


def _mark_source_owned(form: SeriesForm, series: EventSeries) -> None:
    """An imported series: the fields its calendar owns are read-only and say where they come from."""
    name = service.series_owner(series)
    form.owned_by = name
    if name is None:
        return
    for field in (form.title, form.description, form.date, form.start_time, form.end_time, form.all_day_days):
        field.render_kw = {**(field.render_kw or {}), "readonly": True}
        field.label.text = _("%(label)s (from %(name)s)", label=field.label.text, name=name)


def _preview_of(series: EventSeries) -> dict[str, Any]:
    summary = schedule_summary(series)
    starts = recurrence.first_instances(series.rrule, series.start_local, series.timezone, now(), PREVIEW_COUNT,
                                        all_day=series.is_all_day)
    return {"summary": summary, "dates": [_when(start, series.is_all_day) for start in starts]}


@bp.post("/series/preview")
def series_preview() -> ResponseReturnValue:
    """JSON for manage.js: the summary and next dates of the schedule being edited. Saves nothing."""
    form = _series_form()
    form.validate()
    form.keep_only_schedule_errors()
    preview = _preview(form, None)
    if preview is None:
        errors = form.schedule_errors()
        field = next(iter(errors))
        return jsonify(error=errors[field][0], field=field, errors=errors, status=422), 422
    return jsonify(summary=preview["summary"], dates=preview["dates"])


@bp.route("/series/<int:series_id>/picture", methods=["GET", "POST"])
@accepts_picture_upload
def series_picture(series_id: int) -> ResponseReturnValue:
    """The event's picture: upload, replace, change its alt text, or remove it. A change of a published
    event is saved at once, like its topics (moderation holds only what, when and where)."""
    series = _load_series(series_id)
    form = picture_form(series.picture, filled=request.method == "GET")
    if form.validate_on_submit():
        try:
            series.picture = apply_picture_form(form, series.picture, now=now())
        except PictureRefused as error:
            apply_domain_error(form, error)
        else:
            commit_then_flash(_("The event's picture is saved.") if series.picture else
                              _("The event has no picture now."))
            return redirect(url_for("events.series_detail", series_id=series.id))
    page = render_template("pictures/form.html", form=form, picture=series.picture,
                           heading=_("Picture for “%(title)s”", title=series.title),
                           action=url_for("events.series_picture", series_id=series.id),
                           back_url=url_for("events.series_detail", series_id=series.id))
    return form_page(page, submitted=form.is_submitted())


# --- series page and status ---------------------------------------------------------------------

def _load_series(series_id: int) -> EventSeries:
    series = service.get_series(series_id)
    require_series_manager(current_user, series)
    return series


@bp.get("/series/<int:series_id>")
def series_detail(series_id: int) -> ResponseReturnValue:
    series = _load_series(series_id)
    moment = now()
    upcoming = db.paginate(service.occurrences_query(series, now=moment, past=False),
                           page=_page_arg("upcoming"), per_page=OCCURRENCES_PER_PAGE, error_out=False)
    past = db.paginate(service.occurrences_query(series, now=moment, past=True),
                       page=_page_arg("past"), per_page=OCCURRENCES_PER_PAGE, error_out=False)
    pending_requests, returned_request = moderation.series_requests(series)
    return render_template("events/series_detail.html", series=series, upcoming=upcoming, past=past,
                           summary=schedule_summary(series), cancel_form=CancelForm(),
                           owned_by=service.series_owner(series),
                           pending_requests=pending_requests, returned_request=returned_request,
                           held=moderation.is_held(current_user, series), request_rows=request_rows,
                           coorganiser_requests=consent.series_requests(series))


@bp.post("/series/<int:series_id>/publish")
def series_publish(series_id: int) -> ResponseReturnValue:
    series = _load_series(series_id)
    if series.is_draft and moderation.is_held(current_user, series):
        moderation.request_publish(series, by=current_user, now=now())
        commit_then_flash(_("The event is sent to the network's coordinators for review: it becomes public when "
                            "they approve it."), "warning")
        return redirect(url_for("events.series_detail", series_id=series.id))
    service.publish_series(series, now=now())
    commit_then_flash(_("The event is published."))
    _flash_if_not_public(series)
    return redirect(url_for("events.series_detail", series_id=series.id))


def _flash_if_not_public(series: EventSeries) -> None:
    """Publishing succeeds while the organisation is pending or archived, but nobody sees it yet: say so."""
    name = series.organisation.name
    if series.public_block == "pending":
        flash(_("%(name)s is awaiting approval by the network's coordinators; its events become public when it "
                "is approved.", name=name), "warning")
    elif series.public_block == "archived":
        flash(_("%(name)s is archived: archived organisations' events are not public.", name=name), "warning")


@bp.post("/series/<int:series_id>/unpublish")
def series_unpublish(series_id: int) -> ResponseReturnValue:
    series = _load_series(series_id)
    service.unpublish_series(series, now=now())
    commit_then_flash(_("The event is back to draft and hidden from the public."))
    return redirect(url_for("events.series_detail", series_id=series.id))


def _is_confirmed() -> bool:
    """Cancelling takes two steps without JavaScript: only the confirmation page's button sends this."""
    return request.form.get("confirmed") == "yes"


@bp.route("/series/<int:series_id>/cancel", methods=["GET", "POST"])
def series_cancel(series_id: int) -> ResponseReturnValue:
    series = _load_series(series_id)
    service.check_status_owned(series)  # a 400 page when its calendar owns it (the button is not shown)
    form = CancelForm()
    if request.method == "POST":
        if not form.validate():
            return invalid_form(render_template("events/series_cancel.html", series=series, form=form))
        if _is_confirmed():
            service.cancel_series(series, reason=form.reason.data or "", now=now())
            commit_then_flash(_("The whole event is cancelled."))
            return redirect(url_for("events.series_detail", series_id=series.id))
    return render_template("events/series_cancel.html", series=series, form=form)


@bp.post("/series/<int:series_id>/restore")
def series_restore(series_id: int) -> ResponseReturnValue:
    series = _load_series(series_id)
    service.check_status_owned(series)
    if series.is_cancelled:
        service.publish_series(series, now=now())
        commit_then_flash(_("The event is restored and published again."))
        _flash_if_not_public(series)
    return redirect(url_for("events.series_detail", series_id=series.id))


# --- occurrences --------------------------------------------------------------------------------

def _load_occurrence(occurrence_id: int) -> Occurrence:
    occ = service.get_occurrence_by_id(occurrence_id)
    require_series_manager(current_user, occ.series)
    return occ


def _back_to(occ: Occurrence) -> Response:
    target = request.form.get("back")
    if target == "series":
        return redirect(url_for("events.series_detail", series_id=occ.series_id))
    return redirect(url_for("events.occurrence", occurrence_id=occ.id))


def _move_form(occ: Occurrence, formdata: Any = None) -> MoveOccurrenceForm:
    form = MoveOccurrenceForm(formdata=formdata, all_day=occ.series.is_all_day)
    form.venue.choices = make_choices([("", _("The event's usual venue"))] + [(v.id, v.name) for v in service.all_venues()])
    return form


def _render_occurrence(occ: Occurrence, *, cancel_form: CancelForm | None = None,
                       move_form: MoveOccurrenceForm | None = None) -> str:
    tz = occ.series.timezone
    if move_form is None:
        move_form = _move_form(occ, formdata=None)
        move_form.fill_from(occ, utc_to_local(occ.start_at, tz), utc_to_local(occ.end_at, tz))
    owned_by = service.series_owner(occ.series)
    if owned_by is not None:  # its calendar owns the times: shown read-only; venue and note stay editable
        for field in (move_form.date, move_form.start_time, move_form.end_time):
            field.render_kw = {**(field.render_kw or {}), "readonly": True}
            field.label.text = _("%(label)s (from %(name)s)", label=field.label.text, name=owned_by)
    return render_template(
        "events/occurrence.html", occ=occ, series=occ.series, owned_by=owned_by,
        cancel_form=cancel_form or CancelForm(formdata=None), move_form=move_form,
    )


@bp.get("/occurrences/<int:occurrence_id>")
def occurrence(occurrence_id: int) -> ResponseReturnValue:
    return _render_occurrence(_load_occurrence(occurrence_id))


def _render_cancel_confirmation(occ: Occurrence, form: CancelForm) -> str:
    back = "series" if request.values.get("back") == "series" else ""
    back_url = (url_for("events.series_detail", series_id=occ.series_id) if back
                else url_for("events.occurrence", occurrence_id=occ.id))
    return render_template("events/occurrence_cancel.html", occ=occ, series=occ.series, form=form,
                           back=back, back_url=back_url)


@bp.route("/occurrences/<int:occurrence_id>/cancel", methods=["GET", "POST"])
def occurrence_cancel(occurrence_id: int) -> ResponseReturnValue:
    """First the confirmation page (GET, or a POST without ``confirmed``), then the cancel itself."""
    occ = _load_occurrence(occurrence_id)
    if occ.is_cancelled:
        return redirect(url_for("events.occurrence", occurrence_id=occ.id))
    form = CancelForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and not form.validate():
        return invalid_form(_render_cancel_confirmation(occ, form))
    if request.method == "GET" or not _is_confirmed():
        return _render_cancel_confirmation(occ, form)
    service.check_date_owned(occ)  # a 400 page when its calendar owns the date (the buttons are not shown)
    service.cancel_occurrence(occ, reason=form.reason.data or "", now=now())
    commit_then_flash(_("The date is cancelled."))
    return _back_to(occ)


@bp.post("/occurrences/<int:occurrence_id>/restore")
def occurrence_restore(occurrence_id: int) -> ResponseReturnValue:
    occ = _load_occurrence(occurrence_id)
    service.check_date_owned(occ)
    service.restore_occurrence(occ, now=now())
    commit_then_flash(_("The date is restored."))
    return _back_to(occ)


@bp.post("/occurrences/<int:occurrence_id>/move")
def occurrence_move(occurrence_id: int) -> ResponseReturnValue:
    occ = _load_occurrence(occurrence_id)
    form = _move_form(occ, formdata=request.form)
    if form.validate():
        series, tz = occ.series, occ.series.timezone
        if series.is_all_day:
            start_local = datetime.combine(form.date.data, datetime.min.time())  # type: ignore[arg-type]  # validated
            end_local = start_local + timedelta(days=series.all_day_days)
        else:
            start_local = datetime.combine(form.date.data, form.start_time.data)  # type: ignore[arg-type]  # validated
            end_local = datetime.combine(form.date.data, form.end_time.data)  # type: ignore[arg-type]  # validated
        venue = db.session.get(Venue, form.venue.data) if form.venue.data else None
        try:
            held = moderation.save_occurrence_move(
                occ, start_at=local_to_utc(start_local, tz), end_at=local_to_utc(end_local, tz), venue=venue,
                note=form.note.data or "", by=current_user, now=now())
        except ValidationFailed as error:
            apply_domain_error(form, error)
            return invalid_form(_render_occurrence(occ, move_form=form))
        if held is not None:
            commit_then_flash(_("The new time or venue waits for a coordinator's review; until then the public "
                                "sees the date as it was."), "warning")
        else:
            warnings = clash_warnings(current_user, occurrence_clashes(occ))
            commit_then_flash(_("The date is changed."))
            _flash_warnings(warnings)
        return _back_to(occ)
    return invalid_form(_render_occurrence(occ, move_form=form))


# --- venues (coordinators) ----------------------------------------------------------------------

def _venue_data(form: VenueForm) -> service.VenueData:
    return service.VenueData(
        name=form.name.data or "", address=form.address.data or "",
        latitude=float(form.latitude.data) if form.latitude.data is not None else None,
        longitude=float(form.longitude.data) if form.longitude.data is not None else None,
        accessibility=form.accessibility.data or "", capacity=form.capacity.data,
        original_language=form.original_language.data or None,
    )


@bp.get("/venues/")
def venue_list() -> ResponseReturnValue:
    require_venue_manager(current_user)
    return render_template("events/venue_list.html", venues=service.all_venues())


@bp.route("/venues/new", methods=["GET", "POST"])
def venue_new() -> ResponseReturnValue:
    require_venue_manager(current_user)
    form = VenueForm()
    if form.validate_on_submit():
        try:
            service.create_venue(_venue_data(form))
        except ValidationFailed as error:
            apply_domain_error(form, error)
        else:
            commit_then_flash(_("The venue is saved."))
            return redirect(url_for("events.venue_list"))
    return form_page(render_template("events/venue_form.html", form=form, venue=None), submitted=form.is_submitted())


def _stale_venue_form(form: VenueForm, venue: Venue) -> ResponseReturnValue:
    message = stale_edit_message(form, venue, VenueForm(formdata=None, obj=venue))
    return conflicting_edit(render_template("events/venue_form.html", form=form, venue=venue, conflict=message))


@bp.route("/venues/<int:venue_id>/edit", methods=["GET", "POST"])
def venue_edit(venue_id: int) -> ResponseReturnValue:
    venue = service.get_venue(venue_id)
    require_venue_manager(current_user)
    form = VenueForm(obj=venue if request.method == "GET" else None)
    form.original_language.choices = text_language_choices(original_language_choices(venue))
    if form.validate_on_submit():
        if is_stale(form, venue):
            return _stale_venue_form(form, venue)
        try:
            service.update_venue(venue, _venue_data(form))
        except ValidationFailed as error:
            apply_domain_error(form, error)
        else:
            commit_then_flash(_("The venue is saved."))
            return redirect(url_for("events.venue_list"))
    return form_page(render_template("events/venue_form.html", form=form, venue=venue), submitted=form.is_submitted())


# --- co-organisers' consent -----------------------------------------------------------------------

@bp.get("/coorganising")
def coorganising() -> ResponseReturnValue:
    """Requests to the user's organisations (all, for coordinators) to co-organise others' events."""
    org_ids = None if is_coordinator(current_user) else editor_organisation_ids(current_user)
    pending = consent.coorganiser_requests(org_ids, statuses=(CoorganiserStatus.PENDING,))
    decided = consent.coorganiser_requests(org_ids, statuses=(CoorganiserStatus.ACCEPTED, CoorganiserStatus.DECLINED),
                                           limit=DECIDED_REQUESTS_SHOWN)
    return render_template("events/coorganising.html", pending=pending, decided=decided)


def _load_request(series_id: int, organisation_id: int) -> tuple[EventSeries, Organisation]:
    series = service.get_series(series_id)
    organisation = db.get_or_404(Organisation, organisation_id)
    consent.get_request(series, organisation)
    require_organisation_manager(current_user, organisation)
    return series, organisation


@bp.post("/coorganising/<int:series_id>/<int:organisation_id>/accept")
def coorganising_accept(series_id: int, organisation_id: int) -> ResponseReturnValue:
    series, organisation = _load_request(series_id, organisation_id)
    consent.accept_coorganising(series, organisation, by_id=current_user.id, now=now())
    commit_then_flash(_("%(organisation)s is now a co-organiser of “%(title)s”.", organisation=organisation.name,
                        title=series.title))
    return redirect(url_for("events.coorganising"))


@bp.post("/coorganising/<int:series_id>/<int:organisation_id>/decline")
def coorganising_decline(series_id: int, organisation_id: int) -> ResponseReturnValue:
    series, organisation = _load_request(series_id, organisation_id)
    consent.decline_coorganising(series, organisation, by_id=current_user.id, now=now())
    commit_then_flash(_("%(organisation)s is not named on “%(title)s”.", organisation=organisation.name,
                        title=series.title))
    return redirect(url_for("events.coorganising"))
