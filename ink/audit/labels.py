"""How the audit page names actions, object kinds and fields (English message ids, translated on the page)."""
from __future__ import annotations

from ink.core.errors import N_

ACTION_LABELS: dict[str, str] = {
    "create": N_("created"),
    "edit": N_("edited"),
    "delete": N_("deleted"),
    "publish": N_("published"),
    "unpublish": N_("unpublished"),
    "cancel": N_("cancelled"),
    "restore": N_("restored"),
    "move": N_("moved"),
    "approve": N_("approved"),
    "archive": N_("archived"),
    "set-pending": N_("set to pending"),
    "decline": N_("declined"),
    "return": N_("returned"),
    "reject": N_("rejected"),
    "accept": N_("accepted"),
    "revoke": N_("revoked"),
    "deactivate": N_("deactivated"),
    "reactivate": N_("reactivated"),
    "add-member": N_("member added"),
    "remove-member": N_("member removed"),
    "change-member": N_("membership changed"),
    "invite": N_("invitation sent"),
    "revoke-invitation": N_("invitation revoked"),
    "resend-invitation": N_("invitation sent again"),
    "accept-invitation": N_("invitation accepted"),
    "delete-invitation": N_("invitation deleted"),
    "record-count": N_("count recorded"),
    "change-count": N_("count changed"),
    "delete-count": N_("count deleted"),
}

KIND_LABELS: dict[str, str] = {
    "event_series": N_("Event"),
    "occurrence": N_("Date"),
    "organisation": N_("Organisation"),
    "membership": N_("Membership"),
    "user": N_("Account"),
    "venue": N_("Venue"),
    "topic": N_("Topic"),
    "attendance_record": N_("Attendance count"),
    "attendance_category": N_("Attendance category"),
    "door_link": N_("Door-counter link"),
    "invitation": N_("Invitation"),
}
