"""Attendance pages: counts per occurrence, categories, door links, the door counter, reports.

The door counter's JSON endpoints are exempt from CSRF on purpose: volunteers have no session,
and the unguessable signed token in the URL is the credential (listed in the README).
"""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_datetime, format_time
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ink.attendance import reports, service, svg
from ink.attendance.panels import missing_groups, qr_svg
from ink.attendance.forms import KIND_LABELS, METHOD_LABELS, CategoryForm, ConfirmForm, CountForm
from ink.attendance.models import AttendanceCategory, AttendanceRecord, CategoryKind, CountMethod, DoorLink
from ink.events.models import Occurrence
from ink.core.errors import N_, DomainError, NotFound, ValidationFailed
from ink.core.time import local_date
from ink.extensions import csrf, now
from ink.forms import apply_domain_error
from ink.i18n import error_text, fmt_average, fmt_date, fmt_time, spreadsheet_datetime
from ink.organisations.access import require_coordinator, require_organisation_manager
from ink.organisations.models import Organisation
from ink.saving import commit, commit_then_flash, conflicting_edit, form_page, invalid_form, is_stale, stale_edit_message
from ink.web import is_possible_id

bp = Blueprint("attendance", __name__)

TAP_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
TAP_KEYS = {"delta", "category", "tap_id"}


def _tz() -> str:
    return str(current_app.config["TIMEZONE"])


def _occurrence_for_counter(occurrence_id: int) -> Occurrence:
    occurrence = service.get_occurrence(occurrence_id)
    service.require_counter(current_user, occurrence.series)
    return occurrence


# --- counts ---------------------------------------------------------------------------------------

@bp.route("/manage/attendance/occurrences/<int:occurrence_id>", methods=["GET", "POST"])
@login_required
def occurrence(occurrence_id: int) -> ResponseReturnValue:
    occ = _occurrence_for_counter(occurrence_id)
    categories = service.series_categories(occ.series_id)
    record = service.get_record(occ.id)
    form = CountForm.for_categories(categories)
    if request.method == "GET":
        _fill_count_form(form, record, categories)
    if form.validate_on_submit():
        if record is not None and is_stale(form, record):
            return _stale_count_form(occ, form, record, categories)
        try:
            service.record_attendance(
                occ, total=form.total.data, method=CountMethod(form.method.data), note=form.note.data or "",  # type: ignore[arg-type]  # total: InputRequired
                breakdown={c.id: form[f"category_{c.id}"].data for c in categories},
                confirm_over_capacity=form.confirm_over_capacity.data, user=current_user, now=now(),
            )
        except ValidationFailed as error:
            apply_domain_error(form, error, "total")
        else:
            commit_then_flash(_("Attendance saved."))
            return redirect(url_for("attendance.occurrence", occurrence_id=occ.id))
    return form_page(render_template("attendance/occurrence.html", **_occurrence_context(occ, form, categories)),
                     submitted=form.is_submitted())


def _fill_count_form(form: Any, record: AttendanceRecord | None, categories: list[AttendanceCategory]) -> None:
    """The stored count in the form, and the version it is (0: no count yet)."""
    form.version.data = str(record.version if record is not None else 0)
    if record is None:
        return
    form.total.data = record.total
    form.method.data = record.method.value
    form.note.data = record.note
    by_name = {**(record.breakdown or {}), **(record.tallies or {})}
    for category in categories:
        form[f"category_{category.id}"].data = by_name.get(category.name)


def _stale_count_form(occ: Any, form: Any, record: AttendanceRecord,
                      categories: list[AttendanceCategory]) -> tuple[Any, int]:
    stored = CountForm.for_categories(categories, formdata=None)
    _fill_count_form(stored, record, categories)
    context = _occurrence_context(occ, form, categories)
    context["page_error"] = stale_edit_message(form, record, stored)
    return conflicting_edit(render_template("attendance/occurrence.html", **context))


def _occurrence_context(occ: Any, form: Any, categories: list[AttendanceCategory]) -> dict[str, Any]:
    record = service.get_record(occ.id)
    moment = now()
    return {
        "occ": occ,
        "form": form,
        "categories": categories,
        "split_fields": form.category_fields([c for c in categories if not c.is_tally]),
        "tally_fields": form.category_fields([c for c in categories if c.is_tally]),
        "record": record,
        "history": service.revisions(record) if record else [],
        "door": service.door_state(occ.id),
        "links": [_link_view(link, moment) for link in service.door_links(occ.id)],
        "confirm_form": ConfirmForm(),
        "method_labels": METHOD_LABELS,
        "can_link": not occ.is_cancelled and service.door_link_window(occ)[1] > moment,
        "is_countable": not occ.is_cancelled and occ.start_at <= moment,
    }


def _link_view(link: DoorLink, moment: Any) -> dict[str, Any]:
    url = service.door_link_url(link)
    view = {"link": link, "url": url, "is_live": link.is_usable_later(moment)}
    if view["is_live"]:
        view["qr"] = qr_svg(url)
    return view


@bp.post("/manage/attendance/occurrences/<int:occurrence_id>/accept-door-count")
@login_required
def accept_door_count(occurrence_id: int) -> ResponseReturnValue:
    occ = _occurrence_for_counter(occurrence_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _back_with_error(occ.id, _("The form expired. Please try again."))
    try:
        service.accept_door_count(occ, user=current_user, now=now(),
                                  confirm_over_capacity=form.confirm_over_capacity.data)
    except ValidationFailed as error:
        return _back_with_error(occ.id, error_text(error))
    commit_then_flash(_("The door count is now the attendance of this occurrence."))
    return redirect(url_for("attendance.occurrence", occurrence_id=occ.id))


def _back_with_error(occurrence_id: int, message: str) -> tuple[str, int]:
    occ = service.get_occurrence(occurrence_id)
    categories = service.series_categories(occ.series_id)
    context = _occurrence_context(occ, CountForm.for_categories(categories, formdata=None), categories)
    context["page_error"] = message
    return invalid_form(render_template("attendance/occurrence.html", **context))


@bp.post("/manage/attendance/occurrences/<int:occurrence_id>/door-links")
@login_required
def create_door_link(occurrence_id: int) -> ResponseReturnValue:
    occ = _occurrence_for_counter(occurrence_id)
    if not ConfirmForm().validate_on_submit():
        return _back_with_error(occ.id, _("The form expired. Please try again."))
    try:
        service.create_door_link(occ, user=current_user, now=now())
    except ValidationFailed as error:
        return _back_with_error(occ.id, error_text(error))
    commit_then_flash(_("Counting link created. Show the QR code to the volunteers at the door."))
    return redirect(url_for("attendance.occurrence", occurrence_id=occ.id) + "#door-links")


@bp.post("/manage/attendance/door-links/<int:link_id>/revoke")
@login_required
def revoke_door_link(link_id: int) -> ResponseReturnValue:
    link = service.get_by_id(DoorLink, link_id)
    if link is None:
        raise NotFound(N_("No such counting link."))
    service.require_counter(current_user, link.occurrence.series)
    if not ConfirmForm().validate_on_submit():
        return _back_with_error(link.occurrence_id, _("The form expired. Please try again."))
    service.revoke_door_link(link, now=now())
    commit_then_flash(_("The counting link no longer works."))
    return redirect(url_for("attendance.occurrence", occurrence_id=link.occurrence_id) + "#door-links")


# --- categories -----------------------------------------------------------------------------------

@bp.route("/manage/attendance/series/<int:series_id>/categories", methods=["GET", "POST"])
@login_required
def categories(series_id: int) -> ResponseReturnValue:
    series = service.get_series(series_id)
    service.require_counter(current_user, series)
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            service.add_category(series, form.name.data or "", form.kind.data or CategoryKind.SPLIT)
        except ValidationFailed as error:
            apply_domain_error(form, error, "name")
        else:
            commit_then_flash(_("Category added."))
            return redirect(url_for("attendance.categories", series_id=series.id))
    return form_page(_categories_page(series, form), submitted=form.is_submitted())


def _categories_page(series: Any, form: CategoryForm, rename_errors: dict[int, list[str]] | None = None,
                     rename_values: dict[int, str] | None = None) -> str:
    return render_template("attendance/categories.html", series=series, form=form,
                           categories=service.series_categories(series.id), confirm_form=ConfirmForm(),
                           rename_errors=rename_errors or {}, rename_values=rename_values or {},
                           kind_labels=KIND_LABELS)


def _series_category(series_id: int, category_id: int) -> tuple[Any, AttendanceCategory]:
    series = service.get_series(series_id)
    category = service.get_by_id(AttendanceCategory, category_id)
    if category is None or category.series_id != series.id:
        raise NotFound(N_("No such category."))
    service.require_counter(current_user, series)
    return series, category


@bp.post("/manage/attendance/series/<int:series_id>/categories/<int:category_id>/rename")
@login_required
def rename_category(series_id: int, category_id: int) -> ResponseReturnValue:
    series, category = _series_category(series_id, category_id)
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            service.rename_category(category, form.name.data or "")
        except ValidationFailed as error:
            apply_domain_error(form, error, "name")
        else:
            commit_then_flash(_("Category renamed; its counts are kept."))
            return redirect(url_for("attendance.categories", series_id=series.id))
    errors = {category.id: list(form.name.errors) or [_("The form expired. Please try again.")]}
    values = {category.id: form.name.data or ""}
    return invalid_form(_categories_page(series, CategoryForm(formdata=None), errors, values))


@bp.post("/manage/attendance/series/<int:series_id>/categories/<int:category_id>/move/<any(up, down):direction>")
@login_required
def move_category(series_id: int, category_id: int, direction: str) -> ResponseReturnValue:
    series, category = _series_category(series_id, category_id)
    if ConfirmForm().validate_on_submit():
        service.move_category(category, -1 if direction == "up" else 1)
        commit()
    return redirect(url_for("attendance.categories", series_id=series.id))


@bp.post("/manage/attendance/series/<int:series_id>/categories/<int:category_id>/kind/<any(split, tally):kind>")
@login_required
def set_category_kind(series_id: int, category_id: int, kind: str) -> ResponseReturnValue:
    series, category = _series_category(series_id, category_id)
    if ConfirmForm().validate_on_submit():
        service.set_category_kind(category, kind)
        commit_then_flash(_("%(name)s: %(kind)s.", name=category.name, kind=KIND_LABELS[category.kind]))
    return redirect(url_for("attendance.categories", series_id=series.id))


@bp.post("/manage/attendance/series/<int:series_id>/categories/<int:category_id>/delete")
@login_required
def delete_category(series_id: int, category_id: int) -> ResponseReturnValue:
    series, category = _series_category(series_id, category_id)
    if ConfirmForm().validate_on_submit():
        service.remove_category(category)
        commit_then_flash(_("Category removed."))
    return redirect(url_for("attendance.categories", series_id=series.id))


# --- door counter (no account; the token is the credential) ---------------------------------------

def _door_json_error(message: str, status: int, field: str | None = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": message, "status": status}
    if field:
        body["field"] = field
    return jsonify(body), status


def _json_body() -> Any:
    """The request's JSON, or None when it is not JSON. Deeply nested input (``[`` x 1000) makes
    the parser raise RecursionError, which is malformed input like any other, not a server error."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


@bp.get("/door/<token>")
def door(token: str) -> ResponseReturnValue:
    try:
        link = service.load_door_link(token)
        service.check_door_link(link, now=now())
    except service.NotYetOpen as error:
        return render_template("attendance/door_closed.html", message=error_text(error), is_not_yet_open=True,
                               opens=_door_opens_text(link), status=error.status_code), error.status_code
    except DomainError as error:
        return render_template("attendance/door_closed.html", message=error_text(error),
                               status=error.status_code), error.status_code
    occ = link.occurrence
    response = Response(render_template(
        "attendance/door.html", link=link, occ=occ, token=token,
        categories=service.series_categories(occ.series_id), state=service.door_state(occ.id),
        local_day=fmt_date(occ.start_at, "day"),
        local_time=fmt_time(occ.start_at),
    ))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _door_opens_text(link: DoorLink) -> str:
    """When a not-yet-open link starts working, in words and in the visitor's locale."""
    tz = link.occurrence.series.timezone or _tz()
    # valid_from is the start of the event's local day (service.door_link_window).
    return _("Counting opens on %(day)s, the day of the event, which starts at %(start)s.",
             day=fmt_date(local_date(link.valid_from, tz), "full"), start=fmt_time(link.occurrence.start_at))


@bp.get("/door/<token>/state")
def door_state(token: str) -> ResponseReturnValue:
    try:
        link = service.load_door_link(token)
        service.check_door_link(link, now=now())
    except DomainError as error:
        return _door_json_error(error_text(error), error.status_code)
    response = jsonify(service.door_state(link.occurrence_id).as_json())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/door/<token>/tap")
@csrf.exempt
def door_tap(token: str) -> ResponseReturnValue:
    payload = _json_body()
    if not isinstance(payload, dict):
        return _door_json_error(_("Send a JSON object."), 400, "body")
    unknown = sorted(set(payload) - TAP_KEYS)
    if unknown:
        return _door_json_error(_("Unexpected field."), 400, unknown[0])
    delta = payload.get("delta")
    if isinstance(delta, bool) or delta not in (1, -1):
        return _door_json_error(_("delta must be 1 or -1."), 400, "delta")
    category = payload.get("category")
    if category is not None and (isinstance(category, bool) or not isinstance(category, int)):
        return _door_json_error(_("category must be a category id (a whole number) or null."), 400, "category")
    tap_id = payload.get("tap_id")
    if not isinstance(tap_id, str) or not TAP_ID.match(tap_id):
        return _door_json_error(_("tap_id must be 8 to 64 letters, digits, '-' or '_'."), 400, "tap_id")
    try:
        link = service.load_door_link(token)
        state = service.apply_tap(link, delta=delta, category_id=category, tap_id=tap_id, now=now())
    except DomainError as error:
        return _door_json_error(error_text(error), error.status_code, error.field)
    commit()
    return jsonify(state.as_json())


# --- reports --------------------------------------------------------------------------------------

@bp.get("/manage/attendance/series/<int:series_id>/report")
@login_required
def series_report(series_id: int) -> ResponseReturnValue:
    series = service.get_series(series_id)
    service.require_counter(current_user, series)
    report = reports.series_report(series, now=now())
    if request.args.get("format") == "csv":
        rows = [[spreadsheet_datetime(line.occurrence.start_at),
                 _("cancelled") if line.is_cancelled else "",
                 "" if line.total is None else line.total,
                 METHOD_LABELS[CountMethod(line.method)] if line.method else "",
                 *(line.category_count(c) for c in report.categories)] for line in report.lines]
        header = [_("Date"), _("Status"), _("Attendance"), _("Method"), *(_category_heading(c) for c in report.categories)]
        return _csv(f"attendance-series-{series.id}.csv", header, rows)
    counted = report.counted
    chart = svg.line_chart(
        _("Attendance at %(title)s over time", title=series.title),
        ngettext("%(n)d occurrence counted; average %(avg)s people.",
                 "%(n)d occurrences counted; average %(avg)s people.", len(counted), n=len(counted),
                 avg=fmt_average(report.average) or "0"),
        [fmt_date(line.occurrence.start_at, "short") for line in counted],
        [line.total for line in counted],
    )
    return render_template("attendance/series_report.html", series=series, report=report, chart=chart,
                           method_labels=METHOD_LABELS, format_average=fmt_average,
                           category_heading=_category_heading)


def _category_heading(category: AttendanceCategory) -> str:
    if category.is_tally:
        return _("%(name)s (counted beside the total)", name=category.name)
    return category.name


def _period() -> reports.Period:
    return reports.parse_period(request.args.get("start"), request.args.get("end"), now=now(), tz=_tz())


def _range_report(organisation: Organisation | None, template: str, csv_base: str) -> ResponseReturnValue:
    try:
        period = _period()
    except ValidationFailed as error:
        return invalid_form(render_template("errors/error.html", status=422, message=error_text(error)))
    report = reports.range_report(period, now=now(), tz=_tz(), organisation=organisation,
                                  month_label=lambda d: fmt_date(d, "month"))
    table = request.args.get("table")
    if request.args.get("format") == "csv":
        return _report_csv(report, table, csv_base)
    chart = svg.bar_chart(
        _("Attendance by month"),
        ngettext("Total attendance per month from %(start)s to %(end)s; %(total)d person in all.",
                 "Total attendance per month from %(start)s to %(end)s; %(total)d people in all.",
                 report.totals.total, start=fmt_date(period.start, "long"), end=fmt_date(period.end, "long"),
                 total=report.totals.total),
        [row.label for row in report.months], [row.total for row in report.months],
    )
    return render_template(template, report=report, chart=chart, period=period, organisation=organisation,
                           format_average=fmt_average, csv_base=csv_base)


TABLES = ("totals", "months", "topics", "organisations", "formats", "missing")


def _report_csv(report: reports.RangeReport, table: str | None, base: str) -> Response | tuple[Response, int]:
    if table not in TABLES:
        return _door_json_error(_("Unknown table."), 400, "table")
    period = f"{report.period.start.isoformat()}_{report.period.end.isoformat()}"
    if table == "missing":
        rows = [[spreadsheet_datetime(o.start_at), o.series.title, o.series.organisation.name]
                for o in report.missing]
        return _csv(f"{base}-missing-{period}.csv", [_("Date"), _("Event"), _("Organisation")], rows)
    data = {"totals": [report.totals], "months": report.months, "topics": report.topics,
            "organisations": report.organisations, "formats": report.formats}[table]
    return _csv(f"{base}-{table}-{period}.csv", reports.table_header(), reports.table_rows(data))


def _csv(filename: str, header: list[str], rows: list[list[Any]]) -> Response:
    response = Response(reports.rows_to_csv(header, rows), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/manage/attendance/reports/")
@login_required
def network_report() -> ResponseReturnValue:
    require_coordinator(current_user)
    return _range_report(None, "attendance/report.html", "attendance-network")


@bp.get("/manage/attendance/reports/organisations/<int:organisation_id>")
@login_required
def organisation_report(organisation_id: int) -> ResponseReturnValue:
    organisation = service.get_by_id(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(N_("No such organisation."))
    require_organisation_manager(current_user, organisation)
    return _range_report(organisation, "attendance/report.html", f"attendance-{organisation.slug}")


@bp.get("/manage/attendance/reports/annual")
@login_required
def annual_report() -> ResponseReturnValue:
    """The printable page for funders: a calendar year, network-wide or for one organisation."""
    organisation = None
    if request.args.get("organisation"):
        organisation_id = request.args.get("organisation", type=int) or 0
        organisation = service.get_by_id(Organisation, organisation_id) if is_possible_id(organisation_id) else None
        if organisation is None:
            raise NotFound(N_("No such organisation."))
        require_organisation_manager(current_user, organisation)
    else:
        require_coordinator(current_user)
    year = request.args.get("year", type=int) or local_date(now(), _tz()).year
    if not 2000 <= year <= 2100:
        return invalid_form(render_template("errors/error.html", status=422, message=_("Choose a year from 2000 to 2100.")))
    period = reports.calendar_year(year)
    report = reports.range_report(period, now=now(), tz=_tz(), organisation=organisation,
                                  month_label=lambda d: fmt_date(d, "month_name"))
    chart = svg.bar_chart(
        _("Attendance by month, %(year)d", year=year),
        ngettext("Total attendance per month in %(year)d; %(total)d person in all.",
                 "Total attendance per month in %(year)d; %(total)d people in all.", report.totals.total,
                 year=year, total=report.totals.total),
        [fmt_date(row.key, "month_abbr") for row in report.months], [row.total for row in report.months],
    )
    return render_template("attendance/annual.html", report=report, chart=chart, year=year,
                           organisation=organisation, format_average=fmt_average,
                           generated=now())


@bp.get("/manage/attendance/missing")
@login_required
def missing() -> ResponseReturnValue:
    return render_template("attendance/missing.html", groups=missing_groups(current_user, now(), limit=500))

