"""What the outbox page shows for stored values: N_-marked labels of message kinds, statuses and the
fixed notes on skipped messages (translated in the template), and the counts of the scheduler's last tick."""
from __future__ import annotations

import re

from ink.core.errors import N_
from ink.reminders.models import MessageKind, MessageStatus

# Labels of the stored enum values, translated in the template.
KIND_LABELS = {
    MessageKind.CONFIRM.value: N_("Confirmation request"),
    MessageKind.MANAGE_LINK.value: N_("Link to manage subscriptions"),
    MessageKind.REMINDER.value: N_("Reminder"),
    MessageKind.CHANGE_NOTICE.value: N_("Change notice"),
    MessageKind.DIGEST.value: N_("Weekly digest"),
    MessageKind.ORGANISER_REMINDER.value: N_("Reminder to organisers"),
    MessageKind.NUDGE.value: N_("Attendance count reminder"),
    MessageKind.NUDGE_AGAIN.value: N_("Second attendance count reminder"),
    MessageKind.COORDINATOR_SUMMARY.value: N_("Weekly summary for coordinators"),
    MessageKind.NOTICE.value: N_("Account or membership notice"),
}
STATUS_LABELS = {
    MessageStatus.PENDING.value: N_("Waiting"),
    MessageStatus.SENDING.value: N_("Sending"),
    MessageStatus.SENT.value: N_("Sent"),
    MessageStatus.FAILED.value: N_("Failed"),
    MessageStatus.SKIPPED.value: N_("Skipped"),
}
# Why a message was skipped (compose.Skip, outbox, service): fixed English notes, shown translated.
# Other notes (a mail server's reply) are shown as they are.
REASON_LABELS = {
    "address erased": N_("The address was erased."),
    "too late to be useful": N_("Too late to be useful."),
    "no longer subscribed": N_("No longer subscribed."),
    "unsubscribed": N_("Unsubscribed."),
    "account gone": N_("The account no longer exists."),
    "opted out": N_("The recipient opted out of these emails."),
    "occurrence removed": N_("The date was removed."),
    "no longer needed": N_("No longer needed (withdrawn, used or expired)."),
    "occurrence cancelled": N_("The date was cancelled."),
    "occurrence cancelled or removed": N_("The date was cancelled or removed."),
    "event not published": N_("The event is not published."),
    "occurrence already started": N_("The date had already started."),
    "subscription gone": N_("The subscription no longer exists."),
    "already confirmed or withdrawn": N_("Already confirmed or withdrawn."),
    "no subscriber": N_("No such subscriber."),
    "no longer cancelled": N_("The date is no longer cancelled."),
    "cancelled or removed since": N_("The date was cancelled or removed since."),
    "unknown change": N_("Unknown kind of change."),
    "superseded by a later change": N_("Replaced by a notice of a later change."),
    "attendance not installed": N_("Attendance counting is not installed."),
    "count recorded": N_("The attendance count was recorded."),
    "no longer a coordinator": N_("No longer a coordinator."),
    "interrupted while sending; sending again": N_("Interrupted while sending; sending again."),
}
# The scheduler's heartbeat keeps its last tick as an English line (scheduler.tick); the page shows the numbers.
_TICK_SUMMARY = re.compile(r"^planned (\d+); sent (\d+), skipped (\d+), retry later (\d+), failed (\d+)")


def tick_counts(summary: str) -> dict[str, int] | None:
    """The numbers of the scheduler's last tick, or None when its summary is something else (a failure)."""
    match = _TICK_SUMMARY.match(summary or "")
    if match is None:
        return None
    return dict(zip(("planned", "sent", "skipped", "retried", "failed"), map(int, match.groups())))
