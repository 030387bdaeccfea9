"""Residents' reminders and notices, end to end: form -> confirmation email -> outbox -> real SMTP."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from ink.events import service as events
from ink.events.models import Occurrence
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.reminders.models import MessageStatus, OutboxMessage, Subscriber
from tests.reminders.conftest import link_in, run_outbox, subscribe_and_confirm

UTC = timezone.utc
# The series in these tests: Thursday 4 June 2026, 18:00 Oslo = 16:00 UTC; reminder 24 h before.
START = datetime(2026, 6, 4, 16, 0, tzinfo=UTC)
DUE = START - timedelta(hours=24)


class Ref:
    """Ids of what a factory made (the session is reset between requests)."""

    def __init__(self, series) -> None:  # type: ignore[no-untyped-def]
        self.id = series.id
        self.title = series.title


def _series(factory, **kwargs) -> Ref:  # type: ignore[no-untyped-def]
    return Ref(factory.series(title=kwargs.pop("title", "Language café"), start_local=datetime(2026, 6, 4, 18, 0), **kwargs))


def _occurrence(series: Ref) -> Occurrence:
    return db.session.scalars(sa.select(Occurrence).where(Occurrence.series_id == series.id).order_by(Occurrence.start_at)).first()


def test_reminder_due_and_sent_once_with_ics_and_unsubscribe_headers(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = _series(factory)
    subscribe_and_confirm(client, smtp_server, clock, "Ada@Example.org ", f"/subscribe/series/{series.id}")
    assert smtp_server.handler.subjects("ada@example.org") == ["Please confirm your subscription"]

    clock.set(DUE - timedelta(minutes=1))
    run_outbox(clock.now())
    assert len(smtp_server.received) == 1

    clock.set(DUE)
    run_outbox(clock.now())
    for _ in range(3):
        clock.advance(minutes=1)
        run_outbox(clock.now())
    reminders = [r for r in smtp_server.handler.to("ada@example.org") if r.subject.startswith("Reminder")]
    assert len(reminders) == 1
    message = reminders[0].message
    assert message["Subject"] == "Reminder: Language café"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<https://ink.example.org/subscriptions/unsubscribe/")
    ics = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert len(ics) == 1
    calendar = ics[0].get_content()
    assert "DTSTART:20260604T160000Z" in calendar and "SUMMARY:Language café" in calendar
    assert "METHOD:PUBLISH" in calendar and "ORGANIZER;CN=" in calendar  # RFC 5546 §3.2.1, as in the feeds
    assert message.get_body(preferencelist=("html",)) is not None
    assert "/subscriptions/manage/" in reminders[0].text


def test_unconfirmed_subscribers_get_nothing(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = _series(factory)
    response = client.post(f"/subscribe/series/{series.id}", data={"email": "bo@example.org", "offset_minutes": "1440", "locale": "en", "consent": "y"})
    assert response.status_code == 302
    run_outbox(clock.now())
    confirmation = smtp_server.handler.to("bo@example.org")[0]
    # A mail scanner fetching the link (GET) must not confirm.
    assert client.get(link_in(confirmation, "/subscriptions/confirm/")).status_code == 200
    events.cancel_occurrence(_occurrence(series), reason="Ill", now=clock.now())
    db.session.commit()
    clock.set(DUE)
    run_outbox(clock.now())
    assert smtp_server.handler.subjects("bo@example.org") == ["Please confirm your subscription"]


def test_moved_occurrence_moves_its_reminder_and_sends_a_notice(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = _series(factory)
    subscribe_and_confirm(client, smtp_server, clock, "cy@example.org", f"/subscribe/series/{series.id}")
    run_outbox(clock.now())  # plans the reminder for 3 June 16:00
    occ = _occurrence(series)
    new_start = START + timedelta(days=2)
    events.move_occurrence(occ, start_at=new_start, end_at=new_start + timedelta(hours=2), venue=None, note="", now=clock.now())
    db.session.commit()
    clock.advance(minutes=1)
    run_outbox(clock.now())
    assert smtp_server.handler.subjects("cy@example.org")[-1] == "Changed: Language café"
    notice = smtp_server.handler.to("cy@example.org")[-1]
    assert "6 June 2026" in notice.text or "Saturday" in notice.text

    clock.set(DUE)
    run_outbox(clock.now())
    assert not any(s.startswith("Reminder") for s in smtp_server.handler.subjects("cy@example.org"))
    clock.set(new_start - timedelta(hours=24))
    run_outbox(clock.now())
    assert [s for s in smtp_server.handler.subjects("cy@example.org") if s.startswith("Reminder")] == ["Reminder: Language café"]


def test_cancellation_notice_sent_and_reminder_skipped(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = _series(factory)
    subscribe_and_confirm(client, smtp_server, clock, "di@example.org", f"/subscribe/series/{series.id}")
    run_outbox(clock.now())
    events.cancel_occurrence(_occurrence(series), reason="The hall is flooded", now=clock.now())
    db.session.commit()
    clock.advance(minutes=1)
    run_outbox(clock.now())
    notice = smtp_server.handler.to("di@example.org")[-1]
    assert notice.subject == "Cancelled: Language café"
    assert "The hall is flooded" in notice.text
    clock.set(DUE)
    run_outbox(clock.now())
    assert smtp_server.handler.subjects("di@example.org") == ["Please confirm your subscription", "Cancelled: Language café"]
    reminder = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder"))
    assert reminder.status == MessageStatus.SKIPPED


def test_cancelled_then_restored_before_sending_tells_nobody(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = _series(factory)
    subscribe_and_confirm(client, smtp_server, clock, "ed@example.org", f"/subscribe/series/{series.id}")
    occ = _occurrence(series)
    events.cancel_occurrence(occ, reason="", now=clock.now())
    events.restore_occurrence(occ, now=clock.now())
    db.session.commit()
    clock.set(DUE)
    run_outbox(clock.now())
    assert smtp_server.handler.subjects("ed@example.org") == ["Please confirm your subscription", "Reminder: Language café"]


def test_one_click_unsubscribe_stops_everything(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = _series(factory, recurrence=Recurrence(freq="weekly"))
    subscribe_and_confirm(client, smtp_server, clock, "fa@example.org", f"/subscribe/series/{series.id}")
    clock.set(DUE)
    run_outbox(clock.now())
    reminder = smtp_server.handler.to("fa@example.org")[-1]
    assert reminder.subject == "Reminder: Language café"
    one_click = reminder.message["List-Unsubscribe"].strip("<>").replace("https://ink.example.org", "")
    # A scanner's GET changes nothing; the mail client's RFC 8058 POST unsubscribes.
    assert client.get(one_click).status_code == 302
    assert client.post(one_click, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    next_occ = db.session.scalars(sa.select(Occurrence).where(Occurrence.start_at > START).order_by(Occurrence.start_at)).first()
    events.cancel_occurrence(next_occ, reason="", now=clock.now())
    db.session.commit()
    for days in (1, 7, 14):
        clock.set(DUE + timedelta(days=days))
        run_outbox(clock.now())
    assert smtp_server.handler.subjects("fa@example.org") == ["Please confirm your subscription", "Reminder: Language café"]


def test_unsubscribe_page_asks_before_acting(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = _series(factory)
    subscribe_and_confirm(client, smtp_server, clock, "gu@example.org", f"/subscribe/series/{series.id}")
    clock.set(DUE)
    run_outbox(clock.now())
    page = link_in(smtp_server.handler.to("gu@example.org")[-1], "/subscriptions/unsubscribe/")
    response = client.get(page)
    assert response.status_code == 200 and b"<form method=\"post\"" in response.data
    assert response.headers["Referrer-Policy"] == "no-referrer"
    subscriber = db.session.scalar(sa.select(Subscriber))
    assert subscriber.subscriptions[0].unsubscribed_at is None
    assert client.post(page).status_code == 200
    db.session.expire_all()
    assert subscriber.subscriptions[0].unsubscribed_at is not None


def test_organisation_and_topic_subscriptions_give_one_reminder(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    topics = factory.topics()
    organisation = factory.organisation("Polish Saturday School")
    organisation_slug, topic_slug = organisation.slug, topics[0].slug
    series = _series(factory, organisation=organisation, topics=[topics[0]])
    subscribe_and_confirm(client, smtp_server, clock, "ha@example.org", f"/subscribe/organisation/{organisation_slug}")
    subscribe_and_confirm(client, smtp_server, clock, "ha@example.org", f"/subscribe/topic/{topic_slug}")
    clock.set(DUE)
    run_outbox(clock.now())
    clock.advance(minutes=5)
    run_outbox(clock.now())
    assert [s for s in smtp_server.handler.subjects("ha@example.org") if s.startswith("Reminder")] == [f"Reminder: {series.title}"]


def test_erasure_forgets_the_address_and_never_writes_again(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = _series(factory)
    subscribe_and_confirm(client, smtp_server, clock, "io@example.org", f"/subscribe/series/{series.id}")
    response = client.post("/subscriptions/", data={"email": "io@example.org"})
    assert response.status_code == 302
    run_outbox(clock.now())
    manage = link_in(smtp_server.handler.to("io@example.org")[-1], "/subscriptions/manage/")
    page = client.get(manage)
    assert page.status_code == 200 and b"io@example.org" in page.data
    data = client.get(manage + "/data.json")
    assert data.json["email"] == "io@example.org"
    assert data.json["subscriptions"][0]["consent_version"]
    assert data.json["subscriptions"][0]["confirmed_at"]
    assert client.post(manage + "/erase", data={}).status_code == 422  # must tick the box
    assert client.post(manage + "/erase", data={"confirm": "y"}).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscriber)) == 0
    assert client.get(manage).status_code == 404
    # Subscribing again (by anyone) writes nothing to the address.
    received_before = len(smtp_server.received)
    assert client.post(f"/subscribe/series/{series.id}", data={"email": "IO@example.org", "offset_minutes": "1440", "locale": "en", "consent": "y"}).status_code == 302
    clock.set(DUE)
    run_outbox(clock.now())
    assert len(smtp_server.received) == received_before
    assert not db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == "io@example.org")).all()


def test_links_come_from_base_url_not_the_host_header(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = _series(factory)
    client.post(f"/subscribe/series/{series.id}", data={"email": "jo@example.org", "offset_minutes": "1440", "locale": "en", "consent": "y"},
                headers={"Host": "evil.example"})
    run_outbox(clock.now())
    text = smtp_server.handler.to("jo@example.org")[0].text
    assert "https://ink.example.org/subscriptions/confirm/" in text and "evil.example" not in text


def test_tokens_have_one_purpose_each(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = _series(factory)
    subscribe_and_confirm(client, smtp_server, clock, "ka@example.org", f"/subscribe/series/{series.id}")
    clock.set(DUE)
    run_outbox(clock.now())
    reminder = smtp_server.handler.to("ka@example.org")[-1]
    unsubscribe_token = link_in(reminder, "/subscriptions/unsubscribe/").rsplit("/", 1)[1]
    manage_token = link_in(reminder, "/subscriptions/manage/").rsplit("/", 1)[1]
    assert client.get(f"/subscriptions/manage/{unsubscribe_token}").status_code == 404
    assert client.get(f"/subscriptions/unsubscribe/{manage_token}").status_code == 404
    assert client.get(f"/subscriptions/confirm/{manage_token}").status_code == 404


def test_subscribe_form_rejects_bad_input_with_422(client, factory) -> None:  # type: ignore[no-untyped-def]
    series = _series(factory)
    assert client.get(f"/subscribe/series/{series.id}").status_code == 200
    response = client.post(f"/subscribe/series/{series.id}", data={"email": "not-an-address", "offset_minutes": "1440", "locale": "en", "consent": "y"})
    assert response.status_code == 422 and b"valid email" in response.data
    response = client.post(f"/subscribe/series/{series.id}", data={"email": "a@example.org", "offset_minutes": "1440", "locale": "en"})
    assert response.status_code == 422
    assert client.get("/subscribe/series/999999").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_errors_from_the_service_reach_the_visitor_in_their_language(client, factory) -> None:  # type: ignore[no-untyped-def]
    series = _series(factory)
    client.set_cookie("ink_lang", "nb")
    response = client.post(f"/subscribe/series/{series.id}",
                           data={"email": "not-an-address", "offset_minutes": "1440", "locale": "nb", "consent": "y"})
    assert response.status_code == 422
    assert "Skriv inn en gyldig e-postadresse." in response.get_data(as_text=True)
    response = client.get("/subscriptions/confirm/not-a-token")
    assert response.status_code == 404 and "Bekreftelseslenken er ugyldig eller utløpt." in response.get_data(as_text=True)
    response = client.get("/subscriptions/manage/not-a-token")
    assert response.status_code == 404 and "Lenken er ikke gyldig." in response.get_data(as_text=True)
    response = client.get("/subscriptions/unsubscribe/not-a-token")
    assert response.status_code == 404 and "Avmeldingslenken er ikke gyldig." in response.get_data(as_text=True)


def test_the_reminders_calendar_names_the_organisation_as_organizer(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    """Regression (issue #8): the attached one-event calendar said METHOD:PUBLISH without an ORGANIZER."""
    organisation = factory.organisation("Kafé, Verden", contact_email="kafe@example.org")
    series = _series(factory, organisation=organisation)
    subscribe_and_confirm(client, smtp_server, clock, "cy@example.org", f"/subscribe/series/{series.id}")
    clock.set(DUE)
    run_outbox(clock.now())
    reminder = next(r for r in smtp_server.handler.to("cy@example.org") if r.subject.startswith("Reminder"))
    calendar = next(part for part in reminder.message.iter_attachments()
                    if part.get_content_type() == "text/calendar").get_content()
    unfolded = calendar.replace("\r\n ", "")
    assert 'ORGANIZER;CN="Kafé, Verden":mailto:kafe@example.org' in unfolded
