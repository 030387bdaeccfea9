"""Subscribing, confirming, unsubscribing, managing one's data; the coordinators' outbox page."""
from __future__ import annotations

import json
import re
from email import policy
from email.parser import BytesParser
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ink import ratelimit
from ink.core.errors import N_, NotFound, ValidationFailed
from ink.extensions import db, now
from ink.forms import apply_domain_error
from ink.organisations.access import require_coordinator
from ink.organisations.models import Organisation, Topic
from ink.reminders import service
from ink.reminders.compose import outbox_subjects
from ink.reminders.heartbeat import heartbeat_status
from ink.reminders.forms import ConfirmForm, EmailOnlyForm, EraseForm, PreferencesForm, SubscribeForm
from ink.reminders.labels import KIND_LABELS, REASON_LABELS, STATUS_LABELS, tick_counts
from ink.reminders.mail import mail_directory
from ink.reminders.models import MessageStatus, OutboxMessage, Subscriber, Subscription, TargetKind
from ink.saving import commit, commit_then_flash, form_page, invalid_form

bp = Blueprint("reminders", __name__)


def _private(response: Response) -> Response:
    """Pages reached by a secret link: never cached, never leak the link as a referrer."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    return _private(response)


# --- subscribing ---------------------------------------------------------------------------------

def _count_client_request() -> None:
    """One request that may send an email: a 429 once this client has made too many (``subscribe-client``).
    The limit per address is the service's, and silent."""
    ratelimit.refuse_unless_allowed("subscribe-client", ratelimit.client_address(), now=now(), field="email")


def _subscribe(kind: TargetKind, target_id: int, heading: str, with_offset: bool = True) -> ResponseReturnValue:
    form = SubscribeForm()
    if request.method == "GET":
        form.locale.data = str(get_locale() or "en")
    if form.validate_on_submit():
        _count_client_request()
        try:
            service.subscribe(
                form.email.data or "", kind=kind, target_id=target_id, locale=form.locale.data or "en",
                offset_minutes=form.offset_minutes.data if with_offset else service.DEFAULT_OFFSET_MINUTES,
                now=now(),
            )
        except ValidationFailed as error:
            apply_domain_error(form, error, "email")
        else:
            commit()
            return redirect(url_for("reminders.subscribe_sent"))
    return form_page(render_template("reminders/subscribe.html", form=form, heading=heading, with_offset=with_offset),
                     submitted=form.is_submitted())


@bp.route("/subscribe/series/<int:series_id>", methods=["GET", "POST"])
def subscribe_series(series_id: int) -> ResponseReturnValue:
    series = service.resolve_target(TargetKind.SERIES, series_id)
    return _subscribe(TargetKind.SERIES, series.id, _("Reminders for %(title)s", title=series.title))


@bp.route("/subscribe/organisation/<slug>", methods=["GET", "POST"])
def subscribe_organisation(slug: str) -> ResponseReturnValue:
    organisation = db.first_or_404(sa.select(Organisation).where(Organisation.slug == slug))
    service.resolve_target(TargetKind.ORGANISATION, organisation.id)
    return _subscribe(TargetKind.ORGANISATION, organisation.id,
                      _("Reminders for events by %(name)s", name=organisation.name))


@bp.route("/subscribe/topic/<slug>", methods=["GET", "POST"])
def subscribe_topic(slug: str) -> ResponseReturnValue:
    topic = db.first_or_404(sa.select(Topic).where(Topic.slug == slug))
    return _subscribe(TargetKind.TOPIC, topic.id, _("Reminders for events about %(name)s", name=topic.display_name))


@bp.route("/subscribe/digest", methods=["GET", "POST"])
def subscribe_digest() -> ResponseReturnValue:
    return _subscribe(TargetKind.DIGEST, 0, _("The weekly digest of the programme"), with_offset=False)


@bp.get("/subscribe/sent")
def subscribe_sent() -> ResponseReturnValue:
    return render_template("reminders/sent.html")


@bp.route("/subscriptions/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> ResponseReturnValue:
    # GET only shows a button: mail scanners that fetch links must not confirm on anyone's behalf.
    subscription = service.subscription_from_confirm_token(token)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        service.confirm_subscription(subscription, now=now())
        commit_then_flash(_("Thank you: your subscription is confirmed."))
        return redirect(url_for("reminders.manage", token=service.manage_token(subscription.subscriber)))
    return _page("reminders/confirm.html", form=form, subscription=subscription,
                 what=service.target_name(subscription), kind=subscription.target_kind.value)


# --- unsubscribing -------------------------------------------------------------------------------

def _perform_unsubscribe(token: str) -> None:
    target = service.read_unsubscribe_token(token)
    if isinstance(target, Subscription):
        service.unsubscribe(target, now=now())
    else:
        user, group = target
        service.staff_opt_out(user, group, now=now())


@bp.route("/subscriptions/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> ResponseReturnValue:
    # GET shows a confirmation button (scanners fetch links); the POST below carries our CSRF token.
    target = service.read_unsubscribe_token(token)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        _perform_unsubscribe(token)
        commit()
        return _page("reminders/unsubscribed.html", manage_token=_manage_token_for(target))
    what = service.target_name(target) if isinstance(target, Subscription) else ""
    kind = target.target_kind.value if isinstance(target, Subscription) else "staff"
    return _page("reminders/unsubscribe.html", form=form, what=what, kind=kind)


def _manage_token_for(target: Any) -> str | None:
    return service.manage_token(target.subscriber) if isinstance(target, Subscription) else None


@bp.route("/subscriptions/unsubscribe/<token>/one-click", methods=["GET", "POST"])
def one_click_unsubscribe(token: str) -> ResponseReturnValue:
    """RFC 8058 one-click: the List-Unsubscribe URL. Exempt from CSRF (see ink/reminders/__init__.py)."""
    if request.method == "GET":
        # An older mail client opening the header's link: show the confirmation page, change nothing.
        return redirect(url_for("reminders.unsubscribe", token=token))
    _perform_unsubscribe(token)
    commit()
    return _private(Response(_("You are unsubscribed."), mimetype="text/plain"))


# --- managing one's subscriptions and data -------------------------------------------------------

@bp.route("/subscriptions/", methods=["GET", "POST"])
def request_link() -> ResponseReturnValue:
    form = EmailOnlyForm()
    if form.validate_on_submit():
        _count_client_request()
        try:
            service.request_manage_link(form.email.data or "", now=now())
        except ValidationFailed as error:
            apply_domain_error(form, error, "email")
        else:
            commit()
            return redirect(url_for("reminders.subscribe_sent"))
    return form_page(render_template("reminders/request_link.html", form=form), submitted=form.is_submitted())


@bp.route("/subscriptions/manage/<token>", methods=["GET", "POST"])
def manage(token: str) -> ResponseReturnValue:
    subscriber = service.subscriber_from_manage_token(token)
    form = PreferencesForm()
    if request.method == "GET":
        form.locale.data = subscriber.locale
        offsets = {sub.offset_minutes for sub in subscriber.subscriptions}
        form.offset_minutes.data = offsets.pop() if len(offsets) == 1 else service.DEFAULT_OFFSET_MINUTES
    elif form.validate_on_submit():
        service.update_preferences(subscriber, locale=form.locale.data or "en", offset_minutes=form.offset_minutes.data)
        return _back_to_manage(token, _("Your preferences are saved."))
    return form_page(_manage_page(subscriber, token, form=form, erase_form=EraseForm()), submitted=form.is_submitted())


def _manage_page(subscriber: Subscriber, token: str, *, form: PreferencesForm, erase_form: EraseForm) -> Response:
    """The page of a manage link, with its forms as they stand."""
    rows = [(sub, service.target_name(sub)) for sub in subscriber.subscriptions]
    return _page("reminders/manage.html", subscriber=subscriber, rows=rows, form=form,
                 action_form=ConfirmForm(), erase_form=erase_form, token=token)


def _back_to_manage(token: str, message: str) -> ResponseReturnValue:
    """Commit, say what was done, and show the manage page again."""
    commit_then_flash(message)
    return redirect(url_for("reminders.manage", token=token))


@bp.post("/subscriptions/manage/<token>/unsubscribe/<int:subscription_id>")
def manage_unsubscribe(token: str, subscription_id: int) -> ResponseReturnValue:
    subscriber = service.subscriber_from_manage_token(token)
    subscription = service.get_subscription_of(subscriber, subscription_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service.unsubscribe(subscription, now=now())
    return _back_to_manage(token, _("You are unsubscribed from that."))


@bp.post("/subscriptions/manage/<token>/unsubscribe-all")
def manage_unsubscribe_all(token: str) -> ResponseReturnValue:
    subscriber = service.subscriber_from_manage_token(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    service.unsubscribe_all(subscriber, now=now())
    return _back_to_manage(token, _("You are unsubscribed from everything."))


@bp.get("/subscriptions/manage/<token>/data.json")
def download_data(token: str) -> ResponseReturnValue:
    subscriber = service.subscriber_from_manage_token(token)
    body = json.dumps(service.export_data(subscriber), indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="ink-events-my-data.json"'
    return _private(response)


@bp.post("/subscriptions/manage/<token>/erase")
def erase(token: str) -> ResponseReturnValue:
    subscriber = service.subscriber_from_manage_token(token)
    form = EraseForm()
    if not form.validate_on_submit():
        return invalid_form(_manage_page(subscriber, token, form=PreferencesForm(), erase_form=form))
    service.erase_subscriber(subscriber, now=now())
    commit()
    return _page("reminders/erased.html")


# --- coordinators: the outbox ---------------------------------------------------------------------

_EML_NAME = re.compile(r"^[0-9T]+-[0-9]+\.eml$")
OUTBOX_LIMIT = 200


@bp.get("/manage/outbox")
@login_required
def outbox() -> ResponseReturnValue:
    require_coordinator(current_user)
    status = request.args.get("status", "")
    if status not in STATUS_LABELS:
        status = ""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(OUTBOX_LIMIT)
    if status:
        query = query.where(OutboxMessage.status == MessageStatus(status))
    counts = dict(db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    ).tuples().all())
    messages = list(db.session.scalars(query))
    directory = mail_directory()
    files = sorted((p.name for p in directory.glob("*.eml")), reverse=True)[:100] if directory.is_dir() else []
    heartbeat = heartbeat_status(now())
    return render_template(
        "reminders/outbox.html", messages=messages, subjects=outbox_subjects(messages),
        counts={str(key): value for key, value in counts.items()}, total=sum(counts.values()), status=status,
        statuses=list(STATUS_LABELS), status_labels=STATUS_LABELS, kind_labels=KIND_LABELS, reason_labels=REASON_LABELS,
        files=files, heartbeat=heartbeat, tick=tick_counts(heartbeat.summary),
    )


@bp.get("/manage/outbox/files/<name>")
@login_required
def outbox_file(name: str) -> ResponseReturnValue:
    require_coordinator(current_user)
    path = mail_directory() / name
    if not _EML_NAME.match(name) or not path.is_file():
        raise NotFound(N_("No such message file."))
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    text_part = message.get_body(preferencelist=("plain",))
    return render_template(
        "reminders/outbox_file.html", name=name, headers=list(message.items()),
        text=text_part.get_content() if text_part is not None else "",
        attachments=[part.get_filename() or part.get_content_type() for part in message.iter_attachments()],
    )
