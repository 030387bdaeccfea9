"""The moderation queue /manage/moderation (blueprint ``moderation``), its notices and its dashboard panel.

Coordinators see every pending request with a before/after view of the fields and approve it or return it
with a comment; editors see their own organisations' pending requests, read-only. ``register_moderation``
(called by create_app beside the events blueprint) registers the blueprint, the two notices the editors
receive (``moderation-approved``, ``moderation-returned``) and the dashboard panel. The rules live in
ink/events/moderation.py.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Flask, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from ink.core.errors import N_, Conflict, ValidationFailed
from ink.events import moderation, recurrence
from ink.events.forms import ApproveRequestForm, ReturnRequestForm
from ink.events.models import ModerationRequest, Venue
from ink.events.recurrence import RecurrenceError
from ink.events.summary import describe_schedule
from ink.extensions import db, now
from ink.forms import apply_domain_error
from ink.i18n import error_text, fmt_when, language_name
from ink.notices import register_notice
from ink.organisations.access import editor_organisation_ids, is_coordinator, require_coordinator
from ink.panels import register_panel
from ink.saving import commit_then_flash, conflicting_edit, invalid_form, is_stale
from ink.urls import absolute_url

bp = Blueprint("moderation", __name__, url_prefix="/manage/moderation")


@bp.before_request
@login_required
def _require_login() -> None:
    """Everything here needs an account; deciding needs a coordinator."""
    return None


# --- what a request changes, for people ---------------------------------------------------------------------

@dataclass
class DiffRow:
    """One field of a request: its label, what the public sees now and what is proposed ("" for nothing)."""

    label: str
    before: str | Markup
    after: str | Markup


def _schedule_text(values: Mapping[str, Any]) -> str:
    start_local = datetime.fromisoformat(values["start_local"])
    try:
        rec = recurrence.from_rrule(values["rrule"], start_local, values["timezone"])
    except RecurrenceError:
        return str(values["rrule"] or "")
    duration = None if values["is_all_day"] else timedelta(minutes=values["duration_minutes"] or 0)
    return describe_schedule(rec, start_local, duration=duration, all_day=values["is_all_day"],
                             all_day_days=values["all_day_days"])


def _venue_name(venue_id: int | None) -> str:
    venue = db.session.get(Venue, venue_id) if venue_id is not None else None
    return venue.name if venue is not None else _("No venue / online")


def _series_rows(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[DiffRow]:
    """Rows for the fields that differ (all of them when there is no ``before``: a publish)."""
    def changed(*names: str) -> bool:
        return before is None or any(before[name] != after[name] for name in names)

    rows = []
    if changed("title"):
        rows.append(DiffRow(_("Title"), before["title"] if before else "", after["title"]))
    if changed(*(name for name in moderation.HELD_FIELDS if name not in {"title", "description_html", "venue_id"})):
        rows.append(DiffRow(_("When"), _schedule_text(before) if before else "", _schedule_text(after)))
    if changed("venue_id"):
        rows.append(DiffRow(_("Venue"), _venue_name(before["venue_id"]) if before else "", _venue_name(after["venue_id"])))
    if changed("description_html"):
        # Both were sanitised when they were stored (ink.core.html), so they are shown as the public sees them.
        rows.append(DiffRow(_("Description"), Markup(before["description_html"]) if before else "",  # noqa: S704
                            Markup(after["description_html"])))  # noqa: S704
    return rows


def _text_rows(series: Any, proposed: Mapping[str, Any]) -> list[DiffRow]:
    """A version in another language: each text the public sees in that language now (the version's, or
    nothing for a new one) beside the proposed one."""
    language = proposed.get("language", "")
    current: Mapping[str, str] = next(
        (version.texts for version in series.text_versions if version.language == language), {})
    name = language_name(language) if language else ""
    rows = [DiffRow(_("Language"), name if current else "", name)]
    labels = {"title": _("Title"), "description_html": _("Description"), "audience_note": _("About the audience")}
    for field, label in labels.items():
        before, after = current.get(field, ""), proposed.get(field, "")
        if before != after:
            if field == "description_html":  # sanitised when stored (ink.core.html)
                rows.append(DiffRow(label, Markup(before), Markup(after)))  # noqa: S704
            else:
                rows.append(DiffRow(label, before, after))
    return rows


def request_rows(request: ModerationRequest) -> list[DiffRow]:
    """What the request would change, field by field."""
    series = request.series
    if request.is_publish:
        return _series_rows(None, moderation.live_values(series))
    if request.is_change:
        return _series_rows(moderation.live_values(series), request.proposed)
    if request.is_text:
        return _text_rows(series, request.proposed)
    occ, proposed = request.occurrence, request.proposed
    if occ is None:
        return []
    start_at, end_at = datetime.fromisoformat(proposed["start_at"]), datetime.fromisoformat(proposed["end_at"])
    rows = [DiffRow(_("When"), fmt_when(occ.start_at, occ.end_at, series.is_all_day, "full"),
                    fmt_when(start_at, end_at, series.is_all_day, "full"))]
    new_venue = proposed["venue_id"] if proposed["venue_id"] is not None else series.venue_id
    current_venue = occ.venue.id if occ.venue is not None else None
    if new_venue != current_venue:
        rows.append(DiffRow(_("Venue"), _venue_name(current_venue), _venue_name(new_venue)))
    if proposed["note"] != occ.note:
        rows.append(DiffRow(_("Note for visitors"), occ.note, proposed["note"]))
    return rows


# --- the queue ----------------------------------------------------------------------------------------------

def _forms_for(request: ModerationRequest, return_form: ReturnRequestForm | None = None) -> dict[str, Any]:
    approve = ApproveRequestForm(formdata=None, prefix=f"approve-{request.id}")
    approve.version.data = str(request.series.version)
    if return_form is None:
        return_form = ReturnRequestForm(formdata=None, prefix=f"return-{request.id}")
        return_form.version.data = str(request.series.version)
    return {"approve": approve, "return": return_form}


def _render_queue(*, message: str | None = None, failed: ModerationRequest | None = None,
                  failed_form: ReturnRequestForm | None = None) -> str:
    coordinator = is_coordinator(current_user)
    requests = moderation.pending_requests(
        organisation_ids=None if coordinator else editor_organisation_ids(current_user))
    entries = [{"request": request, "rows": request_rows(request),
                "forms": _forms_for(request, failed_form if failed is not None and request.id == failed.id else None)}
               for request in requests]
    return render_template("events/moderation.html", entries=entries, coordinator=coordinator, message=message)


@bp.get("/")
def queue() -> ResponseReturnValue:
    return _render_queue()


def _load_for_decision(moderation_id: int) -> ModerationRequest:
    request = moderation.get_request(moderation_id)
    require_coordinator(current_user)
    return request


def _changed_meanwhile() -> str:
    return _("The event or the request changed after you opened this page. Nothing was decided: check the request "
             "again below.")


@bp.post("/<int:moderation_id>/approve")
def approve(moderation_id: int) -> ResponseReturnValue:
    request = _load_for_decision(moderation_id)
    form = ApproveRequestForm(prefix=f"approve-{request.id}")
    if not form.validate() or form.loaded_version() is None:
        return invalid_form(_render_queue(message=_("The approval could not be read. Please try again.")))
    if is_stale(form, request.series) or not request.is_pending:
        return conflicting_edit(_render_queue(message=_changed_meanwhile()))
    try:
        moderation.approve_request(request, by=current_user, now=now())
    except ValidationFailed as error:
        return invalid_form(_render_queue(message=error_text(error)))
    commit_then_flash(_("Approved: “%(title)s” is updated for the public.", title=request.series.title))
    return redirect(url_for("moderation.queue"))


@bp.post("/<int:moderation_id>/return")
def return_(moderation_id: int) -> ResponseReturnValue:
    request = _load_for_decision(moderation_id)
    form = ReturnRequestForm(prefix=f"return-{request.id}")
    if not form.validate() or form.loaded_version() is None:
        return invalid_form(_render_queue(failed=request, failed_form=form))
    if is_stale(form, request.series) or not request.is_pending:
        return conflicting_edit(_render_queue(message=_changed_meanwhile()))
    try:
        moderation.return_request(request, comment=form.comment.data or "", by=current_user, now=now())
    except (ValidationFailed, Conflict) as error:
        apply_domain_error(form, error, "comment")
        return invalid_form(_render_queue(failed=request, failed_form=form))
    commit_then_flash(_("Returned to the editors of %(name)s with your comment.", name=request.series.organisation.name))
    return redirect(url_for("moderation.queue"))


# --- notices and the dashboard panel -------------------------------------------------------------------------

def _notice_request(payload: Mapping[str, Any]) -> ModerationRequest | None:
    request_id = payload.get("request_id")
    return db.session.get(ModerationRequest, request_id) if isinstance(request_id, int) else None


def _approved_context(payload: Mapping[str, Any], moment: datetime) -> dict[str, Any] | None:
    request = _notice_request(payload)
    if request is None:
        return None
    title = request.series.title
    return {"title": title, "quote": "",
            "paragraphs": [_("A coordinator approved your request for “%(title)s” (%(what)s): the public now sees it.",
                             title=title, what=_(request.kind_label))],
            "action_label": _("Open the event"),
            "action_url": absolute_url("events.series_detail", series_id=request.series_id)}


def _returned_context(payload: Mapping[str, Any], moment: datetime) -> dict[str, Any] | None:
    request = _notice_request(payload)
    if request is None:
        return None
    title = request.series.title
    return {"title": title, "quote": request.comment,
            "paragraphs": [
                _("A coordinator returned your request for “%(title)s” (%(what)s) with this comment:",
                  title=title, what=_(request.kind_label)),
                _("Until a coordinator approves a new version, the public sees the event as it was. Edit the event "
                  "and send it again when it is ready."),
            ],
            "action_label": _("Open the event"),
            "action_url": absolute_url("events.series_detail", series_id=request.series_id)}


def _dashboard_panel(user: Any, obj: Any, moment: datetime) -> dict[str, Any] | None:
    coordinator = is_coordinator(user)
    organisation_ids = None if coordinator else editor_organisation_ids(user)
    if organisation_ids is not None and not organisation_ids:
        return None
    waiting = moderation.pending_count(organisation_ids=organisation_ids)
    if not coordinator and not waiting:
        return None  # an editor hears of moderation only when something of theirs waits
    return {"moderation_waiting": waiting, "moderation_coordinator": coordinator}


def register_moderation(app: Flask) -> None:
    """The queue's blueprint, the editors' notices and the dashboard panel (create_app calls this)."""
    app.register_blueprint(bp)
    register_notice(app, moderation.APPROVED_NOTICE, template="notice",
                    subject=N_("Approved: “%(title)s”"), context=_approved_context)
    register_notice(app, moderation.RETURNED_NOTICE, template="notice",
                    subject=N_("Returned with a comment: “%(title)s”"), context=_returned_context)
    register_panel(app, "dashboard", "events/_moderation_panel.html", _dashboard_panel)
