"""A realistic small network for sweeps: every kind of object a URL can name, built through the services.

Two active organisations and one awaiting approval, a reviewed one with a publish waiting for moderation, editors and a coordinator, venues, topics, a weekly
drop-in series with past and future occurrences (one cancelled) and a picture, a logo, attendance categories, a recorded count,
a door link with taps, a one-off with another door link, a draft and a cancelled series, subscriptions of
every kind (three confirmed) and outbox rows, written as .eml files too when MAIL_BACKEND is "file".
``SweepNetwork.values`` names, for every URL argument the app uses, the real values of this network.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ink.attendance import service as attendance
from ink.attendance.models import CountMethod
from ink.auth import service as accounts
from ink.auth.models import User
from ink.events import moderation, service as events
from ink.events.models import EventSeries, Occurrence, SeriesStatus, SeriesTextVersion, VenueTextVersion
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.organisations import invitations, joining
from ink.organisations import text_versions
from ink.organisations.models import Membership, OrganisationModeration, OrganisationStatus, OrganisationTextVersion
from ink.organisations.service import add_editor
from ink.pictures.service import store_picture
from ink.reminders import service as reminders
from ink.reminders.mail import mail_directory
from ink.reminders.models import MessageKind, TargetKind
from ink.reminders.scheduler import tick
from ink.sources.models import CalendarSource, SourceStatus
from tests.conftest import PASSWORD
from tests.pictures.conftest import image_bytes

EDITOR = "editor@example.org"
COORDINATOR = "coordinator@example.org"
SUBSCRIBER = "resident@example.org"


@dataclass
class SweepNetwork:
    editor: User
    coordinator: User
    series: EventSeries
    values: dict[str, list[str]] = field(default_factory=dict)

    def occurrences(self) -> list[Occurrence]:
        return list(db.session.scalars(
            sa.select(Occurrence).where(Occurrence.series_id == self.series.id).order_by(Occurrence.start_at)))


def build_sweep_network(factory, clock) -> SweepNetwork:  # type: ignore[no-untyped-def]
    """Build the network (the clock stands at tests.conftest.DEFAULT_NOW, a Tuesday morning)."""
    now = clock.now()
    topics = factory.topics()
    org = factory.organisation("Kafé Verden", slug="kafe-verden", topics=[topics[0]], languages=["nb", "pl"])
    partner = factory.organisation("Språkvenn", slug="sprakvenn")
    pending = factory.organisation("New Club", slug="new-club", status=OrganisationStatus.PENDING)
    venue = factory.venue("Library hall", slug="library-hall", capacity=30, address="Grønland 32")
    other_venue = factory.venue("Union Scene", slug="union-scene")
    editor = factory.user(EDITOR, editor_of=[org])
    coordinator = factory.coordinator(COORDINATOR)
    partner_editor = factory.user("partner@example.org", editor_of=[partner])

    series = factory.series(
        organisation=org, title="Language café", start_local=datetime(2026, 5, 5, 18, 0),
        recurrence=Recurrence(freq="weekly", end="count", count=8), duration_minutes=120,
        venue=venue, coorganisers=[partner], topics=[topics[0]], is_drop_in=True,
    )
    draft = factory.series(organisation=org, title="Secret draft", start_local=datetime(2026, 6, 10, 12, 0),
                           status=SeriesStatus.DRAFT, venue=other_venue)
    cancelled = factory.series(organisation=partner, title="Chess club", start_local=datetime(2026, 6, 5, 18, 0),
                               recurrence=Recurrence(freq="weekly"), duration_minutes=60)
    events.cancel_series(cancelled, reason="No room", now=now)
    # A second series with a door link: sweeping the first series' form may regenerate its occurrences.
    homework = factory.series(organisation=org, title="Homework help", start_local=datetime(2026, 6, 9, 16, 0),
                              duration_minutes=90, venue=venue)
    # Pictures (written to PICTURES_DIR, which the sweeps point at a temporary folder): an event's and a logo.
    series.picture = store_picture(image_bytes((800, 600)), "People around a table", now=now)
    org.logo = store_picture(image_bytes((400, 400), "PNG", "RGBA", (0, 0, 0, 0)), "Kafé Verden", now=now)

    # A reviewed organisation whose editor asked to publish a draft: a request in /manage/moderation.
    reviewed = factory.organisation("Nykommerkoret", slug="nykommerkoret", moderation=OrganisationModeration.REVIEWED)
    add_editor(reviewed, editor)
    waiting = factory.series(organisation=reviewed, title="Korøvelse", start_local=datetime(2026, 6, 11, 18, 0),
                             status=SeriesStatus.DRAFT, venue=venue)
    moderation_request = moderation.request_publish(waiting, by=editor, now=now)
    # Joining: an application waiting for a coordinator, one not yet confirmed (its link is swept), one declined.
    waiting_application = joining.apply_to_join(joining.ApplicationData(
        name="Neighbours United", applicant_name="Nora", applicant_email="nora@example.org",
        languages=["nb"], topic_ids=[topics[0].id]), locale="en", now=now)
    joining.confirm_application(waiting_application, now=now)
    unconfirmed = joining.apply_to_join(joining.ApplicationData(
        name="Reading Circle", applicant_name="Rami", applicant_email="rami@example.org"), locale="nb", now=now)
    declined = joining.apply_to_join(joining.ApplicationData(
        name="Late Club", applicant_name="Lena", applicant_email="lena@example.org"), locale="en", now=now)
    joining.confirm_application(declined, now=now)
    joining.decline_application(declined, message="Not a member of the network", by=coordinator, now=now)
    # Co-organising: the partner names Kafé Verden on an event, and waits for its consent.
    factory.series(organisation=partner, title="Joint picnic", start_local=datetime(2026, 6, 20, 12, 0),
                   coorganisers=[org], coorganisers_accepted=False)

    network = SweepNetwork(editor=editor, coordinator=coordinator, series=series)
    occurrences = network.occurrences()
    past, today, future = occurrences[3], occurrences[4], occurrences[6]
    events.cancel_occurrence(occurrences[7], reason="Summer break", now=now)

    child = attendance.add_category(series, "Barn")
    adult = attendance.add_category(series, "Voksne")
    db.session.flush()
    attendance.record_attendance(past, total=12, breakdown={child.id: 5, adult.id: 7}, method=CountMethod.HEAD_COUNT,
                                 note="Busy evening", user=editor, now=now)
    link = attendance.create_door_link(today, user=editor, now=now)
    other_link = attendance.create_door_link(homework.occurrences[0], user=editor, now=now)
    db.session.flush()
    attendance.apply_tap(link, delta=1, category_id=child.id, tap_id="sweep-tap-1", now=now)

    subscriptions = [
        reminders.subscribe(SUBSCRIBER, kind=TargetKind.SERIES, target_id=series.id, locale="nb", now=now),
        reminders.subscribe(SUBSCRIBER, kind=TargetKind.ORGANISATION, target_id=org.id, now=now),
        reminders.subscribe(SUBSCRIBER, kind=TargetKind.TOPIC, target_id=topics[0].id, now=now),
        reminders.subscribe(SUBSCRIBER, kind=TargetKind.DIGEST, now=now),
    ]
    live = [s for s in subscriptions if s is not None]
    for subscription in live[:-1]:  # the digest stays unconfirmed, so its confirm link is still to press
        reminders.confirm_subscription(subscription, now=now)
    db.session.commit()
    tick(current_app._get_current_object())  # a scheduler tick: confirmation emails sent, a heartbeat
    db.session.expire_all()

    # Accounts and invitations: a pending invitation, a reset link and an email-change link of the partner's editor.
    invitation = invitations.invite(org, "invitee@example.org", invited_by=coordinator, now=now)
    accounts.request_password_reset(partner_editor.email, now=now, locale="en")
    accounts.request_email_change(partner_editor, "partner-new@example.org", PASSWORD, now=now)
    reset_expires = now + timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"])
    change_expires = now + timedelta(hours=current_app.config["EMAIL_CHANGE_HOURS"])
    account_tokens = [
        invitations.invitation_token(invitation),
        accounts.password_reset_token(partner_editor, partner_editor.password_reset_nonce or "", reset_expires),
        accounts.email_change_token(partner_editor, partner_editor.email_change_nonce or "",
                                    "partner-new@example.org", change_expires),
    ]
    db.session.commit()

    # Versions of texts in another language (issue 12): the event's, the organisation's and the venue's.
    text_versions.add_text_version(series, SeriesTextVersion, "nb", {
        "title": "Språkkafé", "description_html": "<p>Øv på norsk.</p>", "audience_note": "Alle"}, now=now)
    text_versions.add_text_version(org, OrganisationTextVersion, "nb", {"description": "Et kafé for alle."}, now=now)
    text_versions.add_text_version(venue, VenueTextVersion, "nb", {"accessibility": "Trinnfri inngang."}, now=now)
    # Calendar sources: one in sync with a rule it could not express, one failing (of the partner).
    sources = [
        CalendarSource(organisation=org, name="Kafé Verden (Google)", url="https://calendar.example.org/kafe.ics",
                       created_at=now, status=SourceStatus.OK.value, last_fetched_at=now, last_success_at=now,
                       problems=[{"title": "Lekser", "problem": "Extra dates (RDATE): imported as its dates."}],
                       status_params={}),
        CalendarSource(organisation=partner, name="Språkvenn (Outlook)", url="https://calendar.example.org/sv.ics",
                       created_at=now, status=SourceStatus.FAILING.value, consecutive_failures=2,
                       status_message="The server answered HTTP %(status)s.", status_params={"status": "500"},
                       problems=[]),
    ]
    db.session.add_all(sources)
    db.session.commit()

    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == editor.id))
    eml_files = sorted(p.name for p in mail_directory().glob("*.eml"))
    subscriber = live[0].subscriber
    network.values = {
        "series_id": [str(series.id), str(draft.id), str(cancelled.id), str(homework.id)],
        "occurrence_id": [str(past.id), str(today.id), str(future.id), str(occurrences[7].id)],
        "organisation_id": [str(org.id), str(pending.id), str(partner.id)],
        "source_id": [str(source.id) for source in sources],
        "membership_id": [str(membership.id) if membership else "1"],
        "application_id": [str(waiting_application.id), str(declined.id)],
        "venue_id": [str(venue.id), str(other_venue.id)],
        "moderation_id": [str(moderation_request.id)],
        "category_id": [str(child.id), str(adult.id)],
        "link_id": [str(link.id), str(other_link.id)],
        "subscription_id": [str(s.id) for s in live[:2]],
        "slug": [org.slug, topics[0].slug, venue.slug, pending.slug],
        "token": [
            attendance.door_link_token(link),
            attendance.door_link_token(other_link),
            reminders.confirm_token(live[-1]),
            reminders.manage_token(subscriber),
            reminders.unsubscribe_token(live[0]),
            reminders.staff_unsubscribe_token(partner_editor, MessageKind.NUDGE.value),
            joining.confirm_token(unconfirmed, now),
            *account_tokens,
        ],
        "invitation_id": [str(invitation.id)],
        "user_id": [str(partner_editor.id)],
        "name": eml_files[:1] or ["19700101T000000-0.eml"],
        "filename": ["ink.css", "door.js"],
        "picture_name": [series.picture.file_name(640), org.logo.file_name(400)],
        "year": ["2026", "2027"],  # the year planner
        "language": ["nb"],  # the versions in another language above
    }
    return network
