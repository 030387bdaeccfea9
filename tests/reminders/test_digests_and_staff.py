"""Weekly digest, organisers' reminders, coordinators' summary, nudges; languages of emails."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from ink.events import service as events
from ink.events.models import Occurrence
from ink.extensions import db
from ink.organisations.models import OrganisationStatus
from ink.reminders import service
from ink.reminders.models import OutboxMessage, TargetKind
from tests.reminders.conftest import link_in, run_outbox, subscribe_and_confirm

UTC = timezone.utc
# Monday 8 June 2026, 07:00 Oslo (summer time) = 05:00 UTC.
DIGEST_AT = datetime(2026, 6, 8, 5, 0, tzinfo=UTC)


def test_weekly_digest_lists_the_coming_week_once(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.series(title="Language café", start_local=datetime(2026, 6, 10, 18, 0))
    factory.series(title="Far future", start_local=datetime(2026, 7, 10, 18, 0))
    subscribe_and_confirm(client, smtp_server, clock, "li@example.org", "/subscribe/digest")
    clock.set(DIGEST_AT - timedelta(minutes=1))
    run_outbox(clock.now())
    assert smtp_server.handler.subjects("li@example.org") == ["Please confirm your subscription"]
    clock.set(DIGEST_AT)
    for _ in range(3):
        run_outbox(clock.now())
        clock.advance(hours=6)
    digests = [r for r in smtp_server.handler.to("li@example.org") if r.subject == "The coming week at INK Events"]
    assert len(digests) == 1
    assert "Language café" in digests[0].text and "Far future" not in digests[0].text
    assert digests[0].message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_digest_after_downtime_is_sent_late_but_not_after_its_window(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    subscribe_and_confirm(client, smtp_server, clock, "mo@example.org", "/subscribe/digest")
    clock.set(DIGEST_AT + timedelta(days=3))  # down all Monday to Wednesday: this week's digest is skipped
    run_outbox(clock.now())
    clock.set(DIGEST_AT + timedelta(days=7, hours=4))  # back by next Monday: sent
    run_outbox(clock.now())
    assert smtp_server.handler.subjects("mo@example.org")[1:] == ["The coming week at INK Events"]


def test_emails_are_rendered_in_the_recipients_language(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(title="Språkkafé", start_local=datetime(2026, 6, 4, 18, 0))
    subscribe_and_confirm(client, smtp_server, clock, "no@example.org", f"/subscribe/series/{series.id}", locale="nb")
    clock.set(datetime(2026, 6, 3, 16, 0, tzinfo=UTC))
    run_outbox(clock.now())
    reminder = smtp_server.handler.to("no@example.org")[-1]
    assert "I morgen, torsdag 4. juni kl. 18:00–20:00" in reminder.text  # dates and times in Bokmål
    assert reminder.subject == "Påminnelse: Språkkafé"  # and the catalogue translates the text
    assert "18:00" in reminder.text


def test_editors_get_a_reminder_the_day_before(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Kite club")
    factory.user("editor@example.org", editor_of=[organisation])
    factory.user("other@example.org")
    factory.series(title="Kite festival", organisation=organisation, start_local=datetime(2026, 6, 4, 12, 0))
    clock.set(datetime(2026, 6, 3, 7, 59, tzinfo=UTC))  # 09:59 Oslo on the day before
    run_outbox(clock.now())
    assert smtp_server.received == []
    clock.advance(minutes=1)
    run_outbox(clock.now())
    run_outbox(clock.now())
    assert [r.subject for r in smtp_server.received] == ["Tomorrow: Kite festival"]
    assert smtp_server.received[0].rcpt_tos == ["editor@example.org"]
    # Its one-click unsubscribe stops the organiser messages for that editor.
    one_click = smtp_server.received[0].message["List-Unsubscribe"].strip("<>").replace("https://ink.example.org", "")
    assert client.post(one_click, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    factory.series(title="Second festival", organisation=organisation, start_local=datetime(2026, 6, 5, 12, 0))
    clock.set(datetime(2026, 6, 4, 8, 0, tzinfo=UTC))
    run_outbox(clock.now())
    assert len(smtp_server.received) == 1


def test_coordinators_get_a_weekly_summary(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.coordinator()
    factory.organisation("Waiting association", status=OrganisationStatus.PENDING)
    clock.set(DIGEST_AT)
    run_outbox(clock.now())
    run_outbox(clock.now() + timedelta(hours=1))
    [summary] = smtp_server.received
    assert summary.subject == "What needs attention this week"
    assert "Waiting association" in summary.text


def test_cancelled_series_occurrence_removed_by_rule_change_notifies(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    from ink.events.recurrence import Recurrence

    series = factory.series(title="Choir", start_local=datetime(2026, 6, 4, 18, 0), recurrence=Recurrence(freq="weekly"))
    series_id = series.id
    subscribe_and_confirm(client, smtp_server, clock, "pa@example.org", f"/subscribe/series/{series_id}")
    series = events.get_series(series_id)
    data = events.SeriesData(title="Choir", organisation=series.organisation, start_local=datetime(2026, 6, 5, 18, 0),
                             recurrence=Recurrence(freq="weekly"))
    events.update_series(series, data, now=clock.now())
    db.session.commit()
    run_outbox(clock.now())
    subjects = smtp_server.handler.subjects("pa@example.org")
    # Only the coming days are announced, once each, not the whole two-year horizon.
    assert subjects.count("No longer taking place: Choir") == 1  # 4 June; 11 June is beyond the planning window
    assert len(subjects) == 2


def test_nudge_once_then_again_then_never(client, auth, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Drop-in café")
    factory.user("counter@example.org", editor_of=[organisation])
    factory.series(title="Drop-in", organisation=organisation, start_local=datetime(2026, 6, 4, 18, 0))
    ended = datetime(2026, 6, 4, 18, 0, tzinfo=UTC)  # 20:00 Oslo
    clock.set(ended - timedelta(days=1, hours=-2))
    run_outbox(clock.now())  # the organiser reminder
    base = len(smtp_server.received)
    clock.set(ended + timedelta(hours=3))
    for _ in range(3):
        run_outbox(clock.now())
        clock.advance(hours=12)
    nudges = [r for r in smtp_server.received[base:] if r.subject.startswith("How many came")]
    assert len(nudges) == 1
    # Its links open the attendance pages for this occurrence: the count form and the door-links part.
    entry, door = link_in(nudges[0], "/attendance/"), nudges[0].text.split("/attendance/")[2].split()[0]
    occurrence_id = db.session.scalar(sa.select(Occurrence.id))
    assert entry == f"/manage/attendance/occurrences/{occurrence_id}"
    assert door == f"occurrences/{occurrence_id}#door-links"
    auth.login("counter@example.org")
    page = client.get(entry)
    assert page.status_code == 200
    assert b'name="total"' in page.data and b'id="door-links"' in page.data
    html = nudges[0].message.get_body(preferencelist=("html",)).get_content()
    assert f'href="https://ink.example.org{entry}"' in html and f'{entry}#door-links"' in html
    clock.set(ended + timedelta(days=3, hours=1))
    for _ in range(20):
        run_outbox(clock.now())
        clock.advance(days=1)
    nudges = [r for r in smtp_server.received[base:] if r.subject.startswith("How many came")]
    assert len(nudges) == 2


def test_nudge_stops_when_the_count_is_recorded(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    from ink.attendance import service as attendance

    organisation = factory.organisation("Drop-in café")
    factory.user("counter@example.org", editor_of=[organisation])
    factory.series(title="Drop-in", organisation=organisation, start_local=datetime(2026, 6, 4, 18, 0))
    ended = datetime(2026, 6, 4, 18, 0, tzinfo=UTC)
    clock.set(ended + timedelta(hours=3))
    run_outbox(clock.now())
    occurrence = db.session.scalar(sa.select(Occurrence))
    from ink.attendance.models import CountMethod

    attendance.record_attendance(occurrence, total=12, method=CountMethod.HEAD_COUNT, user=None, now=clock.now())
    db.session.commit()
    for days in range(1, 10):
        clock.set(ended + timedelta(days=days))
        run_outbox(clock.now())
    assert sum(r.subject.startswith("How many came") for r in smtp_server.received) == 1


def test_nudges_are_skipped_cleanly_without_attendance(app, factory, clock, smtp_server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Without the attendance domain nobody offers the missing-count source (ink/jobs.py).
    monkeypatch.delitem(app.extensions["ink.sources"], "missing-counts")
    organisation = factory.organisation("Drop-in café")
    factory.user("counter@example.org", editor_of=[organisation])
    factory.series(title="Drop-in", organisation=organisation, start_local=datetime(2026, 6, 1, 18, 0))
    run_outbox(clock.now())
    assert not db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind.like("nudge%"))).all()


def test_manage_page_changes_language_and_offset(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(title="Café", start_local=datetime(2026, 6, 4, 18, 0))
    series_id = series.id
    subscription = service.subscribe("qi@example.org", kind=TargetKind.SERIES, target_id=series_id, now=clock.now())
    service.confirm_subscription(subscription, now=clock.now())
    token = service.manage_token(subscription.subscriber)
    db.session.commit()
    response = client.post(f"/subscriptions/manage/{token}", data={"locale": "nb", "offset_minutes": "60"})
    assert response.status_code == 302
    assert client.post(f"/subscriptions/manage/{token}", data={"locale": "xx", "offset_minutes": "60"}).status_code == 422
    clock.set(datetime(2026, 6, 3, 16, 0, tzinfo=UTC))
    run_outbox(clock.now())
    assert [r.subject for r in smtp_server.received if r.subject.startswith("Påminnelse")] == []
    clock.set(datetime(2026, 6, 4, 15, 0, tzinfo=UTC))
    run_outbox(clock.now())
    [reminder] = [r for r in smtp_server.received if r.subject.startswith("Påminnelse")]  # now in Bokmål
    assert "torsdag" in reminder.text


def test_digests_of_one_batch_each_carry_their_own_links(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    """The digest's body is rendered once per batch and language; each copy still has its recipient's links."""
    factory.series(title="Language café", start_local=datetime(2026, 6, 10, 18, 0))
    emails = ["ann@example.org", "bo@example.org", "cy@example.org"]
    for email in emails:
        subscribe_and_confirm(client, smtp_server, clock, email, "/subscribe/digest")
    clock.set(DIGEST_AT)
    for _ in range(2):
        run_outbox(clock.now())
        clock.advance(hours=1)
    digests = {email: [r for r in smtp_server.handler.to(email) if r.subject == "The coming week at INK Events"]
               for email in emails}
    links: dict[str, set[str]] = {}
    for email, found in digests.items():
        assert found
        for digest in found:
            html = digest.message.get_body(preferencelist=("html",)).get_content()
            unsubscribe, manage = link_in(digest, "/unsubscribe/"), link_in(digest, "/manage")
            assert digest.message["List-Unsubscribe"].endswith(f"{unsubscribe}/one-click>")
            assert f'{unsubscribe}"' in html and f'{manage}"' in html
            assert "ink-link-" not in digest.text + html
            links.setdefault(email, set()).update({unsubscribe, manage})
    # Signed links carry the second they were made, so two digests sent in different seconds differ; what
    # matters is that each recipient's links are theirs: nobody got another one's links.
    assert all(len(found) >= 2 for found in links.values())
    assert len(set.union(*links.values())) == sum(len(found) for found in links.values())
    assert client.get(next(iter(links[emails[1]]))).status_code == 200
