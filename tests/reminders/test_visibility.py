"""No reminder, digest line or notice for events the public may not see (pending or archived organisation)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from ink.events import service as events
from ink.events.models import EventSeries, Occurrence
from ink.extensions import db
from ink.organisations.models import Organisation, OrganisationStatus
from ink.organisations.service import set_organisation_status
from ink.reminders.models import OutboxMessage
from tests.reminders.conftest import run_outbox, subscribe_and_confirm

UTC = timezone.utc
START = datetime(2026, 6, 4, 16, 0, tzinfo=UTC)  # Thursday 4 June 2026, 18:00 Oslo
DUE = START - timedelta(hours=24)
DIGEST_AT = datetime(2026, 6, 8, 5, 0, tzinfo=UTC)  # Monday 07:00 Oslo


def _reminders(smtp_server, email: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [s for s in smtp_server.handler.subjects(email) if s.startswith("Reminder")]


def test_subscribing_to_a_pending_organisations_series_is_refused(client, factory) -> None:  # type: ignore[no-untyped-def]
    waiting = factory.organisation("Waiting club", status=OrganisationStatus.PENDING)
    series = factory.series(organisation=waiting)
    form = {"email": "al@example.org", "locale": "en", "offset_minutes": "1440", "consent": "y"}
    assert client.get(f"/subscribe/series/{series.id}").status_code == 404
    assert client.post(f"/subscribe/series/{series.id}", data=form).status_code == 404
    assert client.post(f"/subscribe/organisation/{waiting.slug}", data=form).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_topic_subscriber_is_reminded_only_of_public_events(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    topic = factory.topics()[0]
    topic_slug = topic.slug
    factory.series(title="Open café", topics=[topic], start_local=datetime(2026, 6, 4, 18, 0))
    for name, status in (("Waiting club", OrganisationStatus.PENDING), ("Gone club", OrganisationStatus.ARCHIVED)):
        factory.series(title=f"{name} café", organisation=factory.organisation(name, status=status), topics=[topic],
                       start_local=datetime(2026, 6, 4, 18, 0))
    subscribe_and_confirm(client, smtp_server, clock, "bo@example.org", f"/subscribe/topic/{topic_slug}")
    clock.set(DUE)
    run_outbox(clock.now())
    clock.advance(minutes=5)
    run_outbox(clock.now())
    assert _reminders(smtp_server, "bo@example.org") == ["Reminder: Open café"]
    planned = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder")).all()
    assert len(planned) == 1  # nothing was even planned for the others


def test_weekly_digest_leaves_out_non_public_events(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.series(title="Open café", start_local=datetime(2026, 6, 10, 18, 0))
    waiting = factory.organisation("Waiting club", status=OrganisationStatus.PENDING)
    factory.series(title="Waiting café", organisation=waiting, start_local=datetime(2026, 6, 10, 18, 0))
    subscribe_and_confirm(client, smtp_server, clock, "cy@example.org", "/subscribe/digest")
    clock.set(DIGEST_AT)
    run_outbox(clock.now())
    digests = [r for r in smtp_server.handler.to("cy@example.org") if r.subject == "The coming week at INK Events"]
    assert len(digests) == 1
    assert "Open café" in digests[0].text and "Waiting café" not in digests[0].text


def test_archived_organisation_gets_no_reminder_and_no_cancellation_notice(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Soon archived")
    series = factory.series(title="Language café", organisation=organisation, start_local=datetime(2026, 6, 4, 18, 0))
    series_id, organisation_id = series.id, organisation.id
    subscribe_and_confirm(client, smtp_server, clock, "di@example.org", f"/subscribe/series/{series_id}")
    set_organisation_status(db.session.get(Organisation, organisation_id), OrganisationStatus.ARCHIVED, now=clock.now())
    db.session.commit()
    occ = db.session.scalars(sa.select(Occurrence).where(Occurrence.series_id == series_id)).first()
    events.cancel_occurrence(occ, reason="Closed", now=clock.now())
    db.session.commit()
    clock.advance(minutes=1)
    run_outbox(clock.now())
    clock.set(DUE)
    run_outbox(clock.now())
    assert smtp_server.handler.subjects("di@example.org") == ["Please confirm your subscription"]
    assert not db.session.get(EventSeries, series_id).is_public
