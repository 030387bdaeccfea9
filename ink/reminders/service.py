"""Subscriptions: subscribe (double opt-in), confirm, unsubscribe, manage, export and erase.

Services never commit; the request or command that calls them owns the transaction.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from ink.auth.models import User
from ink.core.errors import N_, NotFound, ValidationFailed
from ink.events.models import EventSeries
from ink.extensions import db
from ink.organisations.models import Organisation, Topic
from ink.reminders import links
from ink.reminders.models import (
    ErasedAddress,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    StaffMailOptOut,
    Subscriber,
    Subscription,
    TargetKind,
    address_hash,
    normalise_address,
)
from ink.reminders.outbox import enqueue, is_erased, outbox_row
from ink.reminders.planning import replan_reminders

# Bump when the consent text on the subscribe forms changes; stored with each confirmation.
CONSENT_VERSION = "2026-11"
DEFAULT_OFFSET_MINUTES = 24 * 60
OFFSET_CHOICES = (60, 3 * 60, 24 * 60, 2 * 24 * 60, 7 * 24 * 60)
MAX_OFFSET_MINUTES = max(OFFSET_CHOICES)
# A second confirmation email for the same subscription waits at least this long.
CONFIRM_RESEND_AFTER = timedelta(minutes=10)
STAFF_KINDS = {
    MessageKind.ORGANISER_REMINDER.value: "organiser",
    MessageKind.NUDGE.value: "organiser",
    MessageKind.NUDGE_AGAIN.value: "organiser",
    MessageKind.COORDINATOR_SUMMARY.value: "coordinator",
}


def clean_email(email: str) -> str:
    """The normalised address, or ValidationFailed when it is too long or not an address."""
    address = normalise_address(email or "")
    if len(address) > 254:
        raise ValidationFailed(N_("That email address is too long."), "email")
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationFailed(N_("Please enter a valid email address."), "email") from error
    return address


def find_subscriber(email: str) -> Subscriber | None:
    """The subscriber with this address, or None."""
    return db.session.scalar(sa.select(Subscriber).where(Subscriber.email == normalise_address(email)))


# --- targets ------------------------------------------------------------------------------------

def resolve_target(kind: TargetKind, target_id: int) -> Any:
    """The series, organisation or topic subscribed to (None for the digest); 404 when not public."""
    if kind == TargetKind.DIGEST:
        return None
    if kind == TargetKind.SERIES:
        series = db.session.get(EventSeries, target_id)
        if series is None or not series.is_open:
            raise NotFound(N_("No such event."))
        return series
    if kind == TargetKind.ORGANISATION:
        organisation = db.session.get(Organisation, target_id)
        if organisation is None or not organisation.is_public:
            raise NotFound(N_("No such organisation."))
        return organisation
    topic = db.session.get(Topic, target_id)
    if topic is None:
        raise NotFound(N_("No such topic."))
    return topic


def target_name(subscription: Subscription) -> str:
    """What a subscription is for, as shown on the manage page and in emails."""
    kind = subscription.target_kind
    if kind == TargetKind.DIGEST:
        return ""
    model = {TargetKind.SERIES: EventSeries, TargetKind.ORGANISATION: Organisation, TargetKind.TOPIC: Topic}[kind]
    target = db.session.get(model, subscription.target_id)
    if target is None:
        return ""
    if isinstance(target, Topic):
        return target.display_name  # the network's topics are in the catalogue
    return target.title if isinstance(target, EventSeries) else cast(Organisation, target).name


# --- subscribing --------------------------------------------------------------------------------

def subscribe(email: str, *, kind: TargetKind, target_id: int = 0, locale: str = "en",
              offset_minutes: int = DEFAULT_OFFSET_MINUTES, now: datetime) -> Subscription | None:
    """Record a subscription and queue its confirmation email.

    Returns None, silently, for an erased address: it is never written to again. The caller shows the
    same "check your inbox" page in every case, so the form does not reveal who is subscribed. At most
    ``subscribe-address`` unanswered confirmation emails go to one address per window, however many
    clients ask.
    """
    address = clean_email(email)
    if offset_minutes not in OFFSET_CHOICES:
        raise ValidationFailed(N_("Please choose when the reminder should arrive."), "offset_minutes")
    resolve_target(kind, target_id if kind != TargetKind.DIGEST else 0)
    if is_erased(address):
        return None
    subscriber = find_subscriber(address)
    if subscriber is None:
        subscriber = Subscriber(email=address, locale=locale, created_at=now)
        db.session.add(subscriber)
        db.session.flush()
    target_id = 0 if kind == TargetKind.DIGEST else target_id
    subscription = db.session.scalar(
        sa.select(Subscription).where(
            Subscription.subscriber_id == subscriber.id,
            Subscription.target_kind == kind,
            Subscription.target_id == target_id,
        )
    )
    if subscription is not None and subscription.is_active:
        return subscription  # already subscribed: nothing to confirm, nothing to send
    if subscription is None:
        subscription = Subscription(subscriber=subscriber, target_kind=kind, target_id=target_id, created_at=now)
        db.session.add(subscription)
    subscription.offset_minutes = offset_minutes
    subscription.confirmed_at = None
    subscription.unsubscribed_at = None
    db.session.flush()
    _queue_confirmation(subscription, now=now)
    return subscription


def _address_allowance_spent(kind: MessageKind, rule: str, address: str, *, now: datetime,
                             unanswered_only: bool = False) -> bool:
    """Whether this address already got the rule's number of messages of this kind within its window
    (for confirmations: of those not yet answered, so a resident who confirms each one is never held up).

    Counted in the outbox itself (not in the rate-limit storage), so the limit holds whatever the
    client, across processes and restarts, with no Redis; the visitor's answer stays the same."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return False
    attempts, seconds = current_app.config["RATELIMITS"][rule]
    query = sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == kind.value,
        OutboxMessage.recipient == address,
        OutboxMessage.created_at > now - timedelta(seconds=int(seconds)),
    )
    if unanswered_only:
        query = query.outerjoin(Subscription, Subscription.id == OutboxMessage.subscription_id).where(
            Subscription.confirmed_at.is_(None))
    return (db.session.scalar(query) or 0) >= int(attempts)


def _queue_confirmation(subscription: Subscription, *, now: datetime) -> None:
    if _address_allowance_spent(MessageKind.CONFIRM, "subscribe-address", subscription.subscriber.email, now=now,
                                unanswered_only=True):
        return
    recent = db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == MessageKind.CONFIRM.value,
            OutboxMessage.subscription_id == subscription.id,
            OutboxMessage.created_at > now - CONFIRM_RESEND_AFTER,
        )
    )
    if recent:
        return
    enqueue([outbox_row(
        MessageKind.CONFIRM, f"sub:{subscription.id}:{now:%Y%m%dT%H%M%S}", subscription.subscriber.email,
        locale=subscription.subscriber.locale, due_at=now, expires_at=now + timedelta(days=2), now=now,
        subscription_id=subscription.id,
    )])


def confirm_token(subscription: Subscription) -> str:
    """The signed token of a subscription's confirmation link."""
    return links.make_token(links.CONFIRM, {"s": subscription.id, "h": subscription.subscriber.email_hash[:16]})


def subscription_from_confirm_token(token: str) -> Subscription:
    """The subscription a confirmation token names; NotFound when forged, expired or erased."""
    try:
        payload = links.read_token(links.CONFIRM, token, max_age=links.CONFIRM_MAX_AGE)
    except links.BadToken as error:
        raise NotFound(N_("This confirmation link is invalid or has expired. Please subscribe again.")) from error
    subscription = db.session.get(Subscription, payload.get("s"))
    if subscription is None or subscription.subscriber.email_hash[:16] != payload.get("h"):
        raise NotFound(N_("This confirmation link is invalid or has expired. Please subscribe again."))
    return subscription


def confirm_subscription(subscription: Subscription, *, now: datetime) -> None:
    """Record the subscriber's consent (double opt-in done); idempotent."""
    if subscription.confirmed_at is not None and subscription.unsubscribed_at is None:
        return
    subscription.confirmed_at = now
    subscription.consent_version = CONSENT_VERSION
    subscription.unsubscribed_at = None
    subscriber = subscription.subscriber
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = now
        subscriber.consent_version = CONSENT_VERSION


# --- unsubscribing and managing -----------------------------------------------------------------

def unsubscribe_token(subscription: Subscription) -> str:
    """The signed token of a subscription's one-click unsubscribe link."""
    return links.make_token(links.UNSUBSCRIBE, {"s": subscription.id, "h": subscription.subscriber.email_hash[:16]})


def staff_unsubscribe_token(user: User, kind: str) -> str:
    """The signed token with which an editor or coordinator stops one group of staff emails."""
    return links.make_token(links.UNSUBSCRIBE, {"u": user.id, "k": STAFF_KINDS[kind], "h": address_hash(user.email)[:16]})


def manage_token(subscriber: Subscriber) -> str:
    """The signed token of a subscriber's manage-my-subscriptions link."""
    return links.make_token(links.MANAGE, {"s": subscriber.id, "h": subscriber.email_hash[:16]})


def read_unsubscribe_token(token: str) -> Subscription | tuple[User, str]:
    """The subscription, or (user, group) for staff messages, a token names. 404 when unknown."""
    try:
        payload = links.read_token(links.UNSUBSCRIBE, token)
    except links.BadToken as error:
        raise NotFound(N_("This unsubscribe link is not valid.")) from error
    if "u" in payload:
        user = db.session.get(User, payload["u"])
        if user is None or address_hash(user.email)[:16] != payload.get("h") or payload.get("k") not in ("organiser", "coordinator"):
            raise NotFound(N_("This unsubscribe link is not valid."))
        return user, str(payload["k"])
    subscription = db.session.get(Subscription, payload.get("s"))
    if subscription is None or subscription.subscriber.email_hash[:16] != payload.get("h"):
        raise NotFound(N_("This unsubscribe link is not valid (perhaps the data was erased)."))
    return subscription


def subscriber_from_manage_token(token: str) -> Subscriber:
    """The subscriber a manage token names; NotFound when forged or erased."""
    try:
        payload = links.read_token(links.MANAGE, token)
    except links.BadToken as error:
        raise NotFound(N_("This link is not valid.")) from error
    subscriber = db.session.get(Subscriber, payload.get("s"))
    if subscriber is None or subscriber.email_hash[:16] != payload.get("h"):
        raise NotFound(N_("This link is not valid (perhaps the data was erased)."))
    return subscriber


def unsubscribe(subscription: Subscription, *, now: datetime) -> None:
    """End a subscription and skip what it still had queued."""
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = now
    _skip_pending(sa.and_(OutboxMessage.subscription_id == subscription.id), "unsubscribed")


def unsubscribe_all(subscriber: Subscriber, *, now: datetime) -> None:
    """End every subscription of a subscriber."""
    for subscription in subscriber.subscriptions:
        unsubscribe(subscription, now=now)


def staff_opt_out(user: User, group: str, *, now: datetime) -> None:
    """Stop one group of staff emails (organiser or coordinator) for this user."""
    for kind, kind_group in STAFF_KINDS.items():
        if kind_group == group and db.session.get(StaffMailOptOut, (user.id, kind)) is None:
            db.session.add(StaffMailOptOut(user_id=user.id, kind=kind, created_at=now))


def get_subscription_of(subscriber: Subscriber, subscription_id: int) -> Subscription:
    """The subscriber's own subscription with this id; NotFound otherwise (never another's)."""
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None or subscription.subscriber_id != subscriber.id:
        raise NotFound(N_("No such subscription."))
    return subscription


def update_preferences(subscriber: Subscriber, *, locale: str, offset_minutes: int | None = None) -> None:
    """Change language and reminder offset; unsent messages follow both."""
    subscriber.locale = locale
    if offset_minutes is not None:
        if offset_minutes not in OFFSET_CHOICES:
            raise ValidationFailed(N_("Please choose when the reminder should arrive."), "offset_minutes")
        for subscription in subscriber.subscriptions:
            subscription.offset_minutes = offset_minutes
        db.session.flush()
        # Reminders already planned move to the new time; those already sent stay sent.
        replan_reminders([subscription.id for subscription in subscriber.subscriptions])
    # Messages not yet sent follow the new language.
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.recipient == subscriber.email, OutboxMessage.status == MessageStatus.PENDING)
        .values(locale=locale)
    )


def request_manage_link(email: str, *, now: datetime) -> None:
    """Queue an email with the manage link, if the address has subscriptions and has not had the day's
    allowance of them (``manage-link-address``); silently otherwise."""
    address = clean_email(email)
    subscriber = find_subscriber(address)
    if subscriber is None or is_erased(address):
        return
    if _address_allowance_spent(MessageKind.MANAGE_LINK, "manage-link-address", subscriber.email, now=now):
        return
    enqueue([outbox_row(
        MessageKind.MANAGE_LINK, f"{now:%Y%m%dT%H%M}", subscriber.email, locale=subscriber.locale,
        due_at=now, expires_at=now + timedelta(days=1), now=now,
    )])


def _skip_pending(condition: Any, reason: str) -> None:
    db.session.execute(
        sa.update(OutboxMessage)
        .where(condition, OutboxMessage.status == MessageStatus.PENDING)
        .values(status=MessageStatus.SKIPPED, last_error=reason)
    )


# --- data download and erasure ------------------------------------------------------------------

def export_data(subscriber: Subscriber) -> dict[str, Any]:
    """Everything we hold about an address, as JSON-ready data."""
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == subscriber.email).order_by(OutboxMessage.id)
    )
    return {
        "email": subscriber.email,
        "locale": subscriber.locale,
        "created_at": subscriber.created_at.isoformat(),
        "confirmed_at": subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else None,
        "consent_version": subscriber.consent_version,
        "subscriptions": [
            {
                "kind": subscription.target_kind.value,
                "target_id": subscription.target_id or None,
                "target": target_name(subscription) or None,
                "reminder_minutes_before": subscription.offset_minutes,
                "created_at": subscription.created_at.isoformat(),
                "confirmed_at": subscription.confirmed_at.isoformat() if subscription.confirmed_at else None,
                "consent_version": subscription.consent_version,
                "unsubscribed_at": subscription.unsubscribed_at.isoformat() if subscription.unsubscribed_at else None,
            }
            for subscription in subscriber.subscriptions
        ],
        "messages": [
            {
                "kind": message.kind,
                "status": message.status.value,
                "created_at": message.created_at.isoformat(),
                "sent_at": message.sent_at.isoformat() if message.sent_at else None,
            }
            for message in messages
        ],
    }


def erase_subscriber(subscriber: Subscriber, *, now: datetime) -> None:
    """Delete the subscriber, their subscriptions and unsent messages; keep only the address's hash.

    Sent messages stay in the outbox (they keep exactly-once intact) with the address replaced by
    its hash.
    """
    digest = subscriber.email_hash
    email = subscriber.email
    db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.recipient == email,
            OutboxMessage.status.in_([MessageStatus.PENDING, MessageStatus.SKIPPED, MessageStatus.FAILED]),
        )
    )
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.recipient == email)
        .values(recipient=f"erased:{digest[:40]}", payload={})
    )
    if db.session.get(ErasedAddress, digest) is None:
        db.session.add(ErasedAddress(address_hash=digest, erased_at=now))
    db.session.delete(subscriber)
    db.session.flush()


def purge_unconfirmed(*, now: datetime, older_than: timedelta = timedelta(days=30)) -> int:
    """Forget addresses that never confirmed anything: we may not keep them. Returns how many."""
    confirmed_any = sa.select(Subscription.id).where(
        Subscription.subscriber_id == Subscriber.id, Subscription.confirmed_at.is_not(None)
    )
    stale = list(db.session.scalars(
        sa.select(Subscriber).where(Subscriber.created_at < now - older_than, ~sa.exists(confirmed_any))
    ))
    for subscriber in stale:
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.recipient == subscriber.email))
        db.session.delete(subscriber)
    db.session.flush()
    return len(stale)
