"""Managing versions of texts in other languages (blueprint ``texts`` under /manage): an event's title,
description and audience note, an organisation's description, a venue's accessibility notes.

For each subject: add (a language that is neither the original's nor used yet), edit (409 from an
out-of-date form), confirm that a version flagged "may be out of date" still matches, and remove (a
confirmation page first). Load then authorise exactly as the subject's own edit screen: an event's
versions by its organisation's editors and coordinators, an organisation's by its editors and
coordinators, a venue's by coordinators. For an editor of a reviewed organisation, adding or changing a
version of a published event waits for a coordinator (ink/events/moderation.py); removing applies at once.
The audit log records each version like any other edit (ink/audit, a session listener).

The blueprint also makes ``texts_of`` (ink/events/reading.py) a template global.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ink.core.errors import ValidationFailed
from ink.events import moderation, service
from ink.events.access import require_series_manager, require_venue_manager
from ink.events.forms import SeriesTextForm, VenueTextForm
from ink.events.models import SeriesTextVersion, VenueTextVersion
from ink.events.reading import texts_of
from ink.extensions import now
from ink.forms import apply_domain_error, text_language_choices
from ink.i18n import language_in_locale
from ink.organisations import text_versions
from ink.organisations.access import require_organisation_manager
from ink.organisations.forms import OrganisationTextForm, TextVersionActionForm
from ink.organisations.models import OrganisationTextVersion
from ink.organisations.service import get_organisation
from ink.saving import commit_then_flash, conflicting_edit, form_page, invalid_form, is_stale, stale_edit_message

bp = Blueprint("texts", __name__, url_prefix="/manage")
@bp.app_context_processor
def _reader_texts() -> dict[str, Any]:
    return {"texts_of": texts_of}


@bp.before_request
@login_required
def _require_login() -> None:
    """Everything here needs an account; roles are checked per object."""
    return None


@dataclass(frozen=True)
class Subject:
    """One kind of subject whose texts have versions: how to load it (authorised) and where it is edited."""

    kind: str  # the endpoints' prefix: series, organisation, venue
    id_arg: str
    model: type
    form: type[FlaskForm]
    load: Callable[[int], Any]
    edit_endpoint: str
    heading: Callable[[Any], str]


def _load_series(series_id: int) -> Any:
    series = service.get_series(series_id)
    require_series_manager(current_user, series)
    return series


def _load_organisation(organisation_id: int) -> Any:
    organisation = get_organisation(organisation_id)
    require_organisation_manager(current_user, organisation)
    return organisation


def _load_venue(venue_id: int) -> Any:
    venue = service.get_venue(venue_id)
    require_venue_manager(current_user)
    return venue


SERIES = Subject("series", "series_id", SeriesTextVersion, SeriesTextForm, _load_series, "events.series_edit",
                 lambda series: series.title)
ORGANISATION = Subject("organisation", "organisation_id", OrganisationTextVersion, OrganisationTextForm,
                       _load_organisation, "organisations.organisation_edit", lambda organisation: organisation.name)
VENUE = Subject("venue", "venue_id", VenueTextVersion, VenueTextForm, _load_venue, "events.venue_edit",
                lambda venue: venue.name)


def _back(subject: Subject, obj: Any) -> str:
    return url_for(subject.edit_endpoint, **{subject.id_arg: obj.id}) + "#text-versions"


def _texts_of(form: Any, obj: Any) -> dict[str, str]:
    return {name: form[name].data or "" for name in obj.TEXT_NAMES}


def _render_form(subject: Subject, obj: Any, form: Any, version: Any = None, conflict: str | None = None,
                 pending: dict[str, Any] | None = None) -> str:
    return render_template("texts/version_form.html", subject=subject, obj=obj, form=form, version=version,
                           conflict=conflict, pending=pending, heading=subject.heading(obj),
                           back_url=_back(subject, obj), original=obj.original_texts)


def _is_held(subject: Subject, obj: Any) -> bool:
    return subject is SERIES and moderation.text_version_is_held(current_user, obj)


def _new(subject: Subject, subject_id: int) -> ResponseReturnValue:
    obj = subject.load(subject_id)
    form = subject.form()
    form.language.choices = text_language_choices(text_versions.languages_to_add(obj))
    if form.validate_on_submit():
        language, texts = form.language.data or "", _texts_of(form, obj)
        try:
            if _is_held(subject, obj):
                moderation.propose_text_version(obj, language, texts, by=current_user, now=now())
                commit_then_flash(_("The version waits for a coordinator's review; until then the public does not "
                                    "see it."), "warning")
            else:
                text_versions.add_text_version(obj, subject.model, language, texts, now=now())
                commit_then_flash(_("The version in %(language)s is saved.", language=language_in_locale(language)))
            return redirect(_back(subject, obj))
        except ValidationFailed as error:
            apply_domain_error(form, error)
    return form_page(_render_form(subject, obj, form), submitted=form.is_submitted())


def _edit(subject: Subject, subject_id: int, language: str) -> ResponseReturnValue:
    obj = subject.load(subject_id)
    version = text_versions.find_text_version(obj, language)
    form = subject.form(formdata=None if request.method == "GET" else request.form, obj=version)
    del form.language
    pending = moderation.pending_text_version(obj, language) if subject is SERIES else None
    if request.method == "GET":
        form.version.data = str(version.version)
        if pending is not None:
            for name in obj.TEXT_NAMES:
                form[name].data = pending.get(name, "")
    if form.validate_on_submit():
        if is_stale(form, version):
            stored = subject.form(formdata=None, obj=version)
            message = stale_edit_message(form, version, stored)
            return conflicting_edit(_render_form(subject, obj, form, version, message))
        texts = _texts_of(form, obj)
        try:
            if _is_held(subject, obj):
                moderation.propose_text_version(obj, language, texts, by=current_user, now=now())
                commit_then_flash(_("Your changes to the version wait for a coordinator's review; until then the "
                                    "public sees the approved version."), "warning")
            else:
                text_versions.update_text_version(obj, version, texts, now=now())
                commit_then_flash(_("Your changes are saved."))
            return redirect(_back(subject, obj))
        except ValidationFailed as error:
            apply_domain_error(form, error)
    return form_page(_render_form(subject, obj, form, version, pending=pending), submitted=form.is_submitted())


def _confirm(subject: Subject, subject_id: int, language: str) -> ResponseReturnValue:
    obj = subject.load(subject_id)
    version = text_versions.find_text_version(obj, language)
    form = TextVersionActionForm()
    if not form.validate_on_submit():
        return invalid_form(_render_form(subject, obj, subject.form(obj=version), version))
    if is_stale(form, version):
        edit_form = subject.form(obj=version)
        del edit_form.language
        message = stale_edit_message(form, version, edit_form)
        return conflicting_edit(_render_form(subject, obj, edit_form, version, message))
    text_versions.confirm_text_version(obj, version, now=now())
    commit_then_flash(_("The version in %(language)s is marked as up to date.", language=language_in_locale(language)))
    return redirect(_back(subject, obj))


def _remove(subject: Subject, subject_id: int, language: str) -> ResponseReturnValue:
    obj = subject.load(subject_id)
    version = text_versions.find_text_version(obj, language)
    form = TextVersionActionForm()
    if request.method == "GET":
        form.version.data = str(version.version)
    elif form.validate_on_submit() and request.form.get("confirmed") == "yes":
        if is_stale(form, version):
            form.version.data = str(version.version)
            page = render_template("texts/version_remove.html", subject=subject, obj=obj, form=form,
                                   version=version, heading=subject.heading(obj), back_url=_back(subject, obj),
                                   conflict=_("Someone changed this version after you opened this page. Check it "
                                              "and confirm again."))
            return conflicting_edit(page)
        if subject is SERIES:
            moderation.withdraw_text_version(obj, language)
        text_versions.remove_text_version(obj, version, now=now())
        commit_then_flash(_("The version in %(language)s is removed.", language=language_in_locale(language)))
        return redirect(_back(subject, obj))
    page = render_template("texts/version_remove.html", subject=subject, obj=obj, form=form, version=version,
                           heading=subject.heading(obj), back_url=_back(subject, obj), conflict=None)
    return form_page(page, submitted=request.method == "POST")


# --- the routes: the same four for each subject ----------------------------------------------------------

@bp.route("/series/<int:series_id>/texts/new", methods=["GET", "POST"])
def series_new(series_id: int) -> ResponseReturnValue:
    return _new(SERIES, series_id)


@bp.route("/series/<int:series_id>/texts/<language>", methods=["GET", "POST"])
def series_edit(series_id: int, language: str) -> ResponseReturnValue:
    return _edit(SERIES, series_id, language)


@bp.post("/series/<int:series_id>/texts/<language>/confirm")
def series_confirm(series_id: int, language: str) -> ResponseReturnValue:
    return _confirm(SERIES, series_id, language)


@bp.route("/series/<int:series_id>/texts/<language>/remove", methods=["GET", "POST"])
def series_remove(series_id: int, language: str) -> ResponseReturnValue:
    return _remove(SERIES, series_id, language)


@bp.route("/organisations/<int:organisation_id>/texts/new", methods=["GET", "POST"])
def organisation_new(organisation_id: int) -> ResponseReturnValue:
    return _new(ORGANISATION, organisation_id)


@bp.route("/organisations/<int:organisation_id>/texts/<language>", methods=["GET", "POST"])
def organisation_edit(organisation_id: int, language: str) -> ResponseReturnValue:
    return _edit(ORGANISATION, organisation_id, language)


@bp.post("/organisations/<int:organisation_id>/texts/<language>/confirm")
def organisation_confirm(organisation_id: int, language: str) -> ResponseReturnValue:
    return _confirm(ORGANISATION, organisation_id, language)


@bp.route("/organisations/<int:organisation_id>/texts/<language>/remove", methods=["GET", "POST"])
def organisation_remove(organisation_id: int, language: str) -> ResponseReturnValue:
    return _remove(ORGANISATION, organisation_id, language)


@bp.route("/venues/<int:venue_id>/texts/new", methods=["GET", "POST"])
def venue_new(venue_id: int) -> ResponseReturnValue:
    return _new(VENUE, venue_id)


@bp.route("/venues/<int:venue_id>/texts/<language>", methods=["GET", "POST"])
def venue_edit(venue_id: int, language: str) -> ResponseReturnValue:
    return _edit(VENUE, venue_id, language)


@bp.post("/venues/<int:venue_id>/texts/<language>/confirm")
def venue_confirm(venue_id: int, language: str) -> ResponseReturnValue:
    return _confirm(VENUE, venue_id, language)


@bp.route("/venues/<int:venue_id>/texts/<language>/remove", methods=["GET", "POST"])
def venue_remove(venue_id: int, language: str) -> ResponseReturnValue:
    return _remove(VENUE, venue_id, language)
