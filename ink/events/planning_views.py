"""Coordination tools under /manage (blueprint ``planning``): venue clashes, the year planner, and
"Copy to next year" on an event page (a panel in the ``series`` slot, registered by ``init_app``).

Views are thin, as in ink/events/views.py: load (404), authorise (403), call a service, commit then flash.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired

from ink.core.errors import ValidationFailed
from ink.core.time import utc_to_local
from ink.events import clashes, copying, planner, service
from ink.events.access import can_manage_series, require_series_manager
from ink.events.clash_text import date_label, may_see, series_label
from ink.events.models import EventSeries
from ink.extensions import now
from ink.forms import BaseForm
from ink.i18n import error_text, fmt_date
from ink.organisations.access import editor_organisation_ids, is_coordinator
from ink.panels import register_panel
from ink.saving import commit_then_flash

bp = Blueprint("planning", __name__, url_prefix="/manage")

# How many dates of one clash group the clashes page lists before "and N more".
DATES_SHOWN = 6


class CopyNextYearForm(BaseForm):
    """The button "Copy to next year": which date logic (see ink.events.copying)."""

    keep = HiddenField(_l("Date"), validators=[InputRequired(), AnyOf([k.value for k in copying.Keep])])


@bp.before_request
@login_required
def _require_login() -> None:
    """Everything under /manage needs an account."""
    return None


def _viewer_organisation_ids() -> set[int] | None:
    """None for a coordinator (everything), else the organisations the editor manages."""
    return None if is_coordinator(current_user) else editor_organisation_ids(current_user)


# --- venue clashes ------------------------------------------------------------------------------

@bp.get("/clashes")
def clash_list() -> ResponseReturnValue:
    moment = now()
    org_ids = _viewer_organisation_ids()
    found = clashes.clashes_between(moment, moment + clashes.CLASH_HORIZON, organisation_ids=org_ids)
    groups = clashes.group_clashes(found)
    return render_template(
        "events/clashes.html", groups=groups, until=moment + clashes.CLASH_HORIZON, dates_shown=DATES_SHOWN,
        label=lambda series: series_label(current_user, series), may_see=lambda s: may_see(current_user, s),
        can_manage=lambda s: can_manage_series(current_user, s), date_label=date_label,
    )


# --- the year planner ---------------------------------------------------------------------------

@bp.get("/planner/")
def planner_now() -> ResponseReturnValue:
    year = utc_to_local(now(), str(current_app.config["TIMEZONE"])).year
    return redirect(url_for("planning.planner_year", year=year))


@bp.get("/planner/<int:year>")
def planner_year(year: int) -> ResponseReturnValue:
    if not planner.is_plannable_year(year):
        abort(404)
    plan = planner.plan_year(year, tz=str(current_app.config["TIMEZONE"]), organisation_ids=_viewer_organisation_ids())
    return render_template(
        "events/planner.html", plan=plan, kinds=planner.EntryKind, generated_at=now(),
        previous_year=year - 1 if planner.is_plannable_year(year - 1) else None,
        next_year=year + 1 if planner.is_plannable_year(year + 1) else None,
        label=lambda series: series_label(current_user, series),
        can_manage=lambda s: can_manage_series(current_user, s), date_label=date_label,
    )


# --- copy to next year --------------------------------------------------------------------------

@bp.post("/series/<int:series_id>/copy-next-year")
def series_copy_next_year(series_id: int) -> ResponseReturnValue:
    series = service.get_series(series_id)
    require_series_manager(current_user, series)
    form = CopyNextYearForm()
    if not form.validate():
        abort(400)
    option = next((o for o in copying.copy_options(series) if o.keep.value == form.keep.data), None)
    existing = copying.existing_copy(series, option.start_local) if option is not None else None
    if existing is not None:
        commit_then_flash(_("%(title)s is already copied to %(date)s: here is that copy.",
                            title=existing.title, date=fmt_date(existing.start_local.date(), "long")), "warning")
        return redirect(url_for("events.series_edit", series_id=existing.id))
    try:
        copy = copying.copy_to_next_year(series, keep=form.keep.data or "", now=now())
    except ValidationFailed as error:
        commit_then_flash(error_text(error), "error")
        return redirect(url_for("events.series_detail", series_id=series.id))
    commit_then_flash(_("A draft for %(date)s is made from %(title)s. Check it, then publish it.",
                        date=fmt_date(copy.start_local.date(), "long"), title=series.title))
    return redirect(url_for("events.series_edit", series_id=copy.id))


def copy_panel_context(user: Any, series: EventSeries, moment: datetime) -> dict[str, Any] | None:
    """The "Copy to next year" buttons on an event page, for those who manage it and an event that can be copied."""
    if series is None or not can_manage_series(user, series):
        return None
    options = copying.copy_options(series)
    if not options:
        return None
    return {"copy_series": series, "copy_options": options, "keep": copying.Keep}


def init_app(app: Flask) -> None:
    """Register the blueprint and the event page's copy panel (create_app calls this)."""
    app.register_blueprint(bp)
    register_panel(app, "series", "events/_copy_next_year_panel.html", copy_panel_context)
