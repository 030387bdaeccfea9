"""Turning an outbox row into an email, just before it is sent — or deciding it must not go.

Every check that can change between planning and sending is made here: the address was erased,
the subscription ended, the occurrence was cancelled, moved, removed or has already started.
Messages are rendered in the recipient's language from templates/emails/ (plain text and HTML).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from markupsafe import escape

from ink.auth.models import User
from ink.core.html import html_to_text
from ink.core.texts import ChosenTexts
from ink.core.time import as_utc, local_date
from ink.events.models import EventSeries, Occurrence
from ink.events.service import occurrences_between
from ink.extensions import db
from ink.i18n import relative_day
from ink.notices import notice_kind
from ink.organisations.models import Organisation, OrganisationStatus, Topic
from ink.organisations.text_versions import chosen_texts
from ink.reminders import links
from ink.reminders.mail import (
    Attachment,
    MessageTemplate,
    OutgoingMessage,
    address_slot,
    build_message,
    occurrence_ics,
    one_line,
    recipient_header,
    sender_address,
    sender_domain,
    slot,
)
from ink.reminders.models import MessageKind, MessageStatus, OutboxMessage, Subscriber, Subscription, TargetKind
from ink.reminders.heartbeat import heartbeat_status
from ink.reminders.outbox import is_erased
from ink.reminders.planning import missing_count_occurrences, staff_opted_out
from ink.reminders.service import (
    confirm_token,
    manage_token,
    staff_unsubscribe_token,
    unsubscribe_token,
)


@dataclass
class Skip:
    reason: str


@dataclass
class Batch:
    """What one dispatch run computes once and shares between messages."""

    now: datetime
    _digest: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by the recipients' language
    _missing: dict[int, set[int]] = field(default_factory=dict)
    # Bodies of messages that differ only by their links (the digest), rendered once with placeholders.
    _bodies: dict[tuple[Any, ...], tuple[str, str]] = field(default_factory=dict)
    _placeholder: str = field(default_factory=lambda: f"ink-link-{uuid.uuid4().hex}")
    # The same messages whole, written out once with slots (see MessageTemplate), by the same keys.
    _templates: dict[tuple[Any, ...], MessageTemplate] = field(default_factory=dict)

    def digest_items(self, locale: str) -> list[dict[str, Any]]:
        """The coming week's dates as plain values, their texts in ``locale`` (issue 12: the versions)."""
        # Plain values, not ORM objects: each message's commit expires loaded objects.
        if locale not in self._digest:
            self._digest[locale] = [
                _occurrence_context(occ, locale)
                for occ in occurrences_between(self.now, self.now + timedelta(days=7)) if occ.is_live
            ]
        return self._digest[locale]

    def missing_count_ids(self, organisation_id: int) -> set[int] | None:
        if organisation_id not in self._missing:
            missing = missing_count_occurrences(self.now, organisation_ids=[organisation_id])
            if missing is None:
                return None
            self._missing[organisation_id] = {occ.id for occ in missing}
        return self._missing[organisation_id]


@dataclass
class Draft:
    template: str
    subject: Callable[[], str]
    context: dict[str, Any]
    unsubscribe: str | None = None
    manage: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    # When set: what, besides template, locale and subject, the body depends on apart from the links
    # (evaluated in the recipient's locale); the body is then rendered once per batch for each such key.
    shared: Callable[[], tuple[Any, ...]] | None = None


def compose(row: OutboxMessage, batch: Batch) -> OutgoingMessage | Skip:
    if is_erased(row.recipient):
        return Skip("address erased")
    if row.expires_at is not None and row.expires_at <= batch.now:
        return Skip("too late to be useful")
    composer = _COMPOSERS.get(row.kind)
    if composer is None:
        return Skip(f"unknown kind {row.kind}")
    draft = composer(row, batch)
    if isinstance(draft, Skip):
        return draft
    return _render(row, draft, batch)


def _render(row: OutboxMessage, draft: Draft, batch: Batch) -> OutgoingMessage:
    links_context: dict[str, str | None] = {"unsubscribe_url": None, "manage_url": None}
    one_click = None
    if draft.unsubscribe:
        one_click = links.one_click_url(draft.unsubscribe)
        links_context["unsubscribe_url"] = links.unsubscribe_url(draft.unsubscribe)
    if draft.manage:
        links_context["manage_url"] = links.manage_url(draft.manage)
    with force_locale(row.locale or "en"):
        subject = one_line(draft.subject())
        if draft.shared is None:
            text, html = _render_bodies(draft, subject, links_context, batch.now)
        else:
            shared = draft.shared()
            prepared = _from_template(row, draft, shared, subject, links_context, one_click, batch)
            if prepared is not None:
                return prepared
            text, html = _shared_bodies(row, draft, shared, subject, links_context, batch)
    return _build(row, draft, subject, text, html, one_click, str(row.id), batch)


def _build(row: OutboxMessage, draft: Draft, subject: str, text: str, html: str, one_click: str | None,
           row_id: str, batch: Batch) -> EmailMessage:
    """The message (``row_id``: the row's id, or a template's slot for it)."""
    headers = {"Auto-Submitted": "auto-generated"}
    if one_click is not None:
        # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" to this URL.
        headers["List-Unsubscribe"] = f"<{one_click}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return build_message(
        sender=sender_address(), to=recipient_header(row.recipient), subject=subject, text=text, html=html,
        headers=headers, attachments=draft.attachments, date=batch.now,
        # The same row always has the same Message-ID, so a rare resend after a crash can be recognised.
        message_id=f"<ink.{row.kind}.{row_id}@{sender_domain()}>",
    )


def _from_template(row: OutboxMessage, draft: Draft, shared: tuple[Any, ...], subject: str,
                   links_context: dict[str, str | None], one_click: str | None, batch: Batch) -> OutgoingMessage | None:
    """A message that differs from others of the batch only by its recipient, Message-ID and links, filled
    in from a template made once per batch and key (see MessageTemplate); None when it must be built the
    general way. The first message of each template is also built the general way and must come out
    byte for byte the same, or the template is not used."""
    if draft.attachments:
        return None
    key = (row.kind, draft.template, row.locale or "en", subject, one_click is not None,
           tuple(url is not None for url in links_context.values()), *shared)
    template = batch._templates.get(key)
    if template is None:
        template = batch._templates[key] = _template(row, draft, subject, links_context, one_click, batch)
    values = {"to": recipient_header(row.recipient), "row_id": str(row.id)}
    if one_click is not None:
        values["one_click"] = one_click
    for name, url in links_context.items():
        if url is not None:
            values[name], values[f"html_{name}"] = url, str(escape(url))
    prepared = template.fill(values, row.recipient)
    if prepared is None or template.checked:
        return prepared
    general = _build(row, draft, subject, *_shared_bodies(row, draft, shared, subject, links_context, batch),
                     one_click, str(row.id), batch)
    template.checked, template.usable = True, template.matches(values, row.recipient, general)
    if not template.usable:
        current_app.logger.warning("Message template %s differs from the message built in full; not used", key[:4])
    return general


def _template(row: OutboxMessage, draft: Draft, subject: str, links_context: dict[str, str | None],
              one_click: str | None, batch: Batch) -> MessageTemplate:
    """The message with a slot for each part that differs between recipients."""
    marker = f"ink-slot-{uuid.uuid4().hex}"
    placeholders = {name: slot(marker, name) if url is not None else None for name, url in links_context.items()}
    text, html = _render_bodies(draft, subject, placeholders, batch.now)
    for name, placeholder in placeholders.items():
        if placeholder is not None:
            html = html.replace(placeholder, slot(marker, f"html_{name}"))
    message = _build(row, draft, subject, text, html, slot(marker, "one_click") if one_click is not None else None,
                     slot(marker, "row_id"), batch)
    message.replace_header("To", address_slot(marker, "to"))
    return MessageTemplate(message, marker)


def _render_bodies(draft: Draft, subject: str, links_context: dict[str, str | None], now: datetime) -> tuple[str, str]:
    """The plain-text and HTML bodies, in the current locale."""
    context = dict(draft.context, programme_url=links.programme_url(), today=local_date(now, current_app.config["TIMEZONE"]),
                   **links_context)
    return (render_template(f"emails/{draft.template}.txt", subject=subject, **context),
            render_template(f"emails/{draft.template}.html", subject=subject, **context))


def _shared_bodies(row: OutboxMessage, draft: Draft, shared: tuple[Any, ...], subject: str,
                   links_context: dict[str, str | None], batch: Batch) -> tuple[str, str]:
    """The bodies rendered once per batch with a placeholder for each link, the links then put in (escaped
    in HTML exactly as the template would have escaped them)."""
    placeholders = {name: f"{batch._placeholder}-{name}" if url else None for name, url in links_context.items()}
    key = (draft.template, row.locale or "en", subject, tuple(placeholders.values()), *shared)
    if key not in batch._bodies:
        batch._bodies[key] = _render_bodies(draft, subject, placeholders, batch.now)
    text, html = batch._bodies[key]
    for name, url in links_context.items():
        if url:
            text = text.replace(f"{batch._placeholder}-{name}", url)
            html = html.replace(f"{batch._placeholder}-{name}", str(escape(url)))
    return text, html


# --- subject lines --------------------------------------------------------------------------------

CHANGES = ("cancelled", "removed", "moved", "restored")


def subject_text(kind: str, title: str = "", change: str | None = None, day: str | None = None) -> str:
    """A message's subject line in the current locale: what the recipient sees (the outbox page shows it too).

    ``day`` ("Today", "Tomorrow", a weekday) heads an editors' reminder; without it (a row not yet sent,
    shown on the outbox page) the subject reads as a plain reminder."""
    subjects: dict[str, Callable[[], str]] = {
        MessageKind.CONFIRM.value: lambda: _("Please confirm your subscription"),
        MessageKind.MANAGE_LINK.value: lambda: _("Your INK Events subscriptions"),
        MessageKind.REMINDER.value: lambda: _("Reminder: %(title)s", title=title),
        MessageKind.DIGEST.value: lambda: _("The coming week at INK Events"),
        MessageKind.ORGANISER_REMINDER.value: lambda: (_("%(day)s: %(title)s", day=day, title=title) if day
                                                       else _("Reminder: %(title)s", title=title)),
        MessageKind.NUDGE.value: lambda: _("How many came to %(title)s?", title=title),
        MessageKind.NUDGE_AGAIN.value: lambda: _("How many came to %(title)s?", title=title),
        MessageKind.COORDINATOR_SUMMARY.value: lambda: _("What needs attention this week"),
        "change:cancelled": lambda: _("Cancelled: %(title)s", title=title),
        "change:removed": lambda: _("No longer taking place: %(title)s", title=title),
        "change:moved": lambda: _("Changed: %(title)s", title=title),
        "change:restored": lambda: _("Taking place after all: %(title)s", title=title),
    }
    key = f"change:{change}" if kind == MessageKind.CHANGE_NOTICE.value else kind
    return one_line(subjects[key]()) if key in subjects else ""


def outbox_subjects(rows: list[OutboxMessage]) -> dict[int, str]:
    """Each row's subject in its recipient's language: as sent when it was recorded, else composed from the
    title it concerns (one query for all rows), without the checks and rendering that sending does."""
    occurrence_ids = {row.occurrence_id for row in rows if row.occurrence_id}
    titles = dict(db.session.execute(
        sa.select(Occurrence.id, EventSeries.title).join(Occurrence.series).where(Occurrence.id.in_(occurrence_ids))
    ).tuples().all()) if occurrence_ids else {}
    subjects = {}
    for row in rows:
        payload = row.payload or {}
        if payload.get("subject"):
            subjects[row.id] = str(payload["subject"])
            continue
        title = str(payload.get("title") or titles.get(row.occurrence_id or 0, ""))
        with force_locale(row.locale or "en"):
            subjects[row.id] = (_notice_row_subject(payload) if row.kind == MessageKind.NOTICE.value
                                else subject_text(row.kind, title, payload.get("change")))
    return subjects


def _notice_row_subject(payload: dict[str, Any]) -> str:
    kind = notice_kind(str(payload.get("notice", "")))
    return notice_subject(kind.subject, dict(payload.get("data") or {})) if kind else ""


# --- checks --------------------------------------------------------------------------------------

def _active_subscription(row: OutboxMessage) -> Subscription | Skip:
    subscription = db.session.get(Subscription, row.subscription_id) if row.subscription_id else None
    if subscription is None or not subscription.is_active or subscription.subscriber.email != row.recipient:
        return Skip("no longer subscribed")
    return subscription


def _staff(row: OutboxMessage) -> User | Skip:
    user = db.session.get(User, row.user_id) if row.user_id else None
    if user is None or not user.is_active_account or user.email != row.recipient:
        return Skip("account gone")
    if staff_opted_out(user.id, row.kind):
        return Skip("opted out")
    return user


def _live_occurrence(row: OutboxMessage, now: datetime) -> Occurrence | Skip:
    occ = db.session.get(Occurrence, row.occurrence_id) if row.occurrence_id else None
    if occ is None:
        return Skip("occurrence removed")
    if occ.is_cancelled:
        return Skip("occurrence cancelled")
    if not occ.series.is_open:
        return Skip("event not public")
    if occ.start_at <= now:
        return Skip("occurrence already started")
    return occ


def describe(subscription: Subscription) -> str:
    """What a subscription is for, in the current locale."""
    kind = subscription.target_kind
    if kind == TargetKind.DIGEST:
        return _("the weekly digest of the programme")
    if kind == TargetKind.SERIES:
        series = db.session.get(EventSeries, subscription.target_id)
        title = chosen_texts(series, str(get_locale() or "en"))["title"] if series else "?"
        return _("reminders for %(title)s", title=title)
    if kind == TargetKind.ORGANISATION:
        organisation = db.session.get(Organisation, subscription.target_id)
        return _("reminders for events by %(name)s", name=organisation.name if organisation else "?")
    topic = db.session.get(Topic, subscription.target_id)
    return _("reminders for events about %(name)s", name=topic.display_name if topic else "?")


def _texts(series: EventSeries, locale: str | None) -> ChosenTexts:
    """The series' texts in the recipient's language (its version, else the original: ink.core.texts)."""
    return chosen_texts(series, locale or "en")


def _ics(occ: Occurrence, locale: str | None) -> Attachment:
    series = occ.series
    texts = _texts(series, locale)
    venue = occ.venue
    content = occurrence_ics(
        uid=f"{series.uid}-{as_utc(occ.original_start_at):%Y%m%dT%H%M%SZ}",
        title=texts["title"], start_at=occ.start_at, end_at=occ.end_at,
        stamp=occ.updated_at or series.updated_at, sequence=series.sequence,
        organizer_name=series.organisation.name,
        organizer_email=(series.organisation.contact_email or "").strip() or current_app.config["NETWORK_EMAIL"],
        location=", ".join(part for part in (venue.name, venue.address) if part) if venue else "",
        description=html_to_text(texts["description_html"])[:2000], url=links.event_url(series.id),
        cancelled=occ.is_cancelled,
    )
    return Attachment("event.ics", content, params={"method": "PUBLISH"})


def _occurrence_context(occ: Occurrence, locale: str | None) -> dict[str, Any]:
    venue = occ.venue
    texts = _texts(occ.series, locale)
    return {
        "title": texts["title"], "title_lang": texts.lang("title"), "start_at": occ.start_at, "end_at": occ.end_at,
        "venue": venue.name if venue else "", "address": venue.address if venue else "",
        "note": occ.note, "event_url": links.event_url(occ.series_id),
        "is_all_day": occ.series.is_all_day,
    }


def _capitalised(text: str) -> str:
    # Bokmål weekdays are lower case ("torsdag 3. desember"), but a subject starts with a capital.
    return text[:1].upper() + text[1:]


# --- one composer per kind -----------------------------------------------------------------------

def _confirm(row: OutboxMessage, batch: Batch) -> Draft | Skip:
    subscription = db.session.get(Subscription, row.subscription_id) if row.subscription_id else None
    if subscription is None or subscription.subscriber.email != row.recipient:
        return Skip("subscription gone")
    if subscription.confirmed_at is not None or subscription.unsubscribed_at is not None:
        return Skip("already confirmed or withdrawn")
    return Draft(
        "confirm", lambda: subject_text(row.kind),
        {"what": lambda: describe(subscription), "confirm_url": links.confirm_url(confirm_token(subscription))},
    )


def _manage_link(row: OutboxMessage, batch: Batch) -> Draft | Skip:
    subscriber = db.session.scalar(sa.select(Subscriber).where(Subscriber.email == row.recipient))
    if subscriber is None:
        return Skip("no subscriber")
    return Draft("manage_link", lambda: subject_text(row.kind), {}, manage=manage_token(subscriber))


def _reminder(row: OutboxMessage, batch: Batch) -> Draft | Skip:
    subscription = _active_subscription(row)
    if isinstance(subscription, Skip):
        return subscription
    occ = _live_occurrence(row, batch.now)
    if isinstance(occ, Skip):
        return occ
    title = _texts(occ.series, row.locale)["title"]
    return Draft(
        "reminder", lambda: subject_text(row.kind, title),
        _occurrence_context(occ, row.locale) | {"what": lambda: describe(subscription)},
        unsubscribe=unsubscribe_token(subscription), manage=manage_token(subscription.subscriber),
        attachments=[_ics(occ, row.locale)],
    )


def _change_notice(row: OutboxMessage, batch: Batch) -> Draft | Skip:
    subscription = _active_subscription(row)
    if isinstance(subscription, Skip):
        return subscription
    payload = row.payload or {}
    change = payload.get("change")
    occ = db.session.get(Occurrence, row.occurrence_id) if row.occurrence_id else None
    if change == "cancelled" and (occ is None or not occ.is_cancelled):
        return Skip("no longer cancelled")
    if change in ("moved", "restored") and (occ is None or occ.is_cancelled):
        return Skip("cancelled or removed since")
    # The title in the subscriber's language while the date still exists (as reminders have it); the
    # title stored with the change when it no longer does.
    title = _texts(occ.series, row.locale)["title"] if occ is not None else str(payload.get("title", ""))
    context = {
        "change": change, "title": title, "reason": payload.get("reason", ""), "note": payload.get("note", ""),
        "start_at": datetime.fromisoformat(payload["start_at"]),
        "end_at": datetime.fromisoformat(payload["end_at"]),
        "previous_start_at": datetime.fromisoformat(payload["previous_start_at"]) if payload.get("previous_start_at") else None,
        "venue": payload.get("venue", ""), "address": payload.get("address", ""),
        "event_url": links.event_url(int(payload.get("series_id", 0))), "what": lambda: describe(subscription),
        "is_all_day": False,
    }
    if change not in CHANGES:
        return Skip("unknown change")
    return Draft(
        "change_notice", lambda: subject_text(row.kind, title, change), context,
        unsubscribe=unsubscribe_token(subscription), manage=manage_token(subscription.subscriber),
        attachments=[_ics(occ, row.locale)] if occ is not None else [],
    )


def _digest(row: OutboxMessage, batch: Batch) -> Draft | Skip:
    subscription = _active_subscription(row)
    if isinstance(subscription, Skip):
        return subscription
    items = batch.digest_items(row.locale or "en")
    return Draft(
        "digest", lambda: subject_text(row.kind), {"items": items, "what": lambda: describe(subscription)},
        unsubscribe=unsubscribe_token(subscription), manage=manage_token(subscription.subscriber),
        shared=lambda: (describe(subscription),),
    )


def _organiser_reminder(row: OutboxMessage, batch: Batch) -> Draft | Skip:
    user = _staff(row)
    if isinstance(user, Skip):
        return user
    occ = _live_occurrence(row, batch.now)
    if isinstance(occ, Skip):
        return occ
    title, start_at = _texts(occ.series, row.locale)["title"], occ.start_at
    today = local_date(batch.now, current_app.config["TIMEZONE"])
    # "Today: …" or "Tomorrow: …" by the network's calendar when it is sent (a late start sends it on the day).
    return Draft(
        "organiser_reminder",
        lambda: subject_text(row.kind, title, day=_capitalised(relative_day(start_at, today))),
        _occurrence_context(occ, row.locale) | {"dashboard_url": links.dashboard_url()},
        unsubscribe=staff_unsubscribe_token(user, row.kind), attachments=[_ics(occ, row.locale)],
    )


def _nudge(row: OutboxMessage, batch: Batch) -> Draft | Skip:
    user = _staff(row)
    if isinstance(user, Skip):
        return user
    occ = db.session.get(Occurrence, row.occurrence_id) if row.occurrence_id else None
    if occ is None or occ.is_cancelled:
        return Skip("occurrence cancelled or removed")
    missing = batch.missing_count_ids(occ.series.organisation_id)
    if missing is None:
        return Skip("attendance not installed")
    if occ.id not in missing:
        return Skip("count recorded")
    title = _texts(occ.series, row.locale)["title"]
    return Draft(
        "nudge", lambda: subject_text(row.kind, title),
        _occurrence_context(occ, row.locale) | {
            "again": row.kind == MessageKind.NUDGE_AGAIN.value,
            "entry_url": links.attendance_entry_url(occ.id), "door_url": links.door_counter_url(occ.id),
        },
        unsubscribe=staff_unsubscribe_token(user, row.kind),
    )


def _coordinator_summary(row: OutboxMessage, batch: Batch) -> Draft | Skip:
    user = _staff(row)
    if isinstance(user, Skip):
        return user
    if not user.is_coordinator:
        return Skip("no longer a coordinator")
    now = batch.now
    pending_organisations = list(db.session.scalars(
        sa.select(Organisation.name).where(Organisation.status == OrganisationStatus.PENDING).order_by(Organisation.name)
    ))
    failed = db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.FAILED, OutboxMessage.created_at >= now - timedelta(days=7))
    ) or 0
    missing = missing_count_occurrences(now, ended_before=now)
    missing_recent = None if missing is None else [occ for occ in missing if occ.end_at >= now - timedelta(days=30)]
    return Draft(
        "coordinator_summary", lambda: subject_text(row.kind),
        {
            "pending_organisations": pending_organisations, "failed_messages": failed,
            "missing_counts": missing_recent, "scheduler_gap_since": _scheduler_gap_since(heartbeat_status(now)),
            "outbox_url": links.outbox_url(), "dashboard_url": links.dashboard_url(),
        },
        unsubscribe=staff_unsubscribe_token(user, row.kind),
    )


def _notice(row: OutboxMessage, batch: Batch) -> Draft | Skip:
    """A notice another domain registered (ink/notices.py): its context is made now, in the recipient's language."""
    payload = row.payload or {}
    kind = notice_kind(str(payload.get("notice", "")))
    if kind is None:
        return Skip(f"unknown kind {row.kind}")
    data = payload.get("data") or {}
    with force_locale(row.locale or "en"):
        context = kind.context(data, batch.now)
    if context is None:
        return Skip("no longer needed")
    return Draft(kind.template, lambda: notice_subject(kind.subject, {**data, **context}), context)


def notice_subject(subject: str, values: dict[str, Any]) -> str:
    """A notice's subject in the current locale, formatted with the values it names."""
    try:
        return _(subject, **values)
    except (KeyError, ValueError, TypeError):
        return _(subject)


def _scheduler_gap_since(status: Any) -> datetime | None:
    """When the scheduler last ran before a gap that ends with this very dispatch, if there was one.

    A summary is only ever sent by a dispatch running now, so "the scheduler looks stopped" would be
    false when it arrives; what is true and useful is the gap. A first start has no gap to tell of."""
    return status.last_tick_at if status.is_stale and status.last_tick_at is not None else None


_COMPOSERS: dict[str, Callable[[OutboxMessage, Batch], Draft | Skip]] = {
    MessageKind.CONFIRM.value: _confirm,
    MessageKind.MANAGE_LINK.value: _manage_link,
    MessageKind.REMINDER.value: _reminder,
    MessageKind.CHANGE_NOTICE.value: _change_notice,
    MessageKind.DIGEST.value: _digest,
    MessageKind.ORGANISER_REMINDER.value: _organiser_reminder,
    MessageKind.NUDGE.value: _nudge,
    MessageKind.NUDGE_AGAIN.value: _nudge,
    MessageKind.COORDINATOR_SUMMARY.value: _coordinator_summary,
    MessageKind.NOTICE.value: _notice,
}
