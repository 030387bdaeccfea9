"""The scheduler process: one at a time, fixed jobs, heartbeat, dashboard warning; the dev file backend."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import render_template_string

from ink.extensions import db
from ink.reminders import service
from ink.reminders.models import MessageStatus, OutboxMessage, SchedulerHeartbeat, TargetKind
from ink.reminders.planning import WEEKLY_WINDOW
from ink.jobs import jobs_of
from ink.reminders.scheduler import SchedulerLocked, _run_and_report, build_scheduler, run_job, scheduler_lock, tick
from tests.reminders.conftest import run_outbox

UTC = timezone.utc


def test_a_second_scheduler_cannot_take_the_lock(app) -> None:  # type: ignore[no-untyped-def]
    with scheduler_lock(app):
        with pytest.raises(SchedulerLocked):
            with scheduler_lock(app):
                pass
    with scheduler_lock(app):  # released: the next one may start
        pass


def test_a_second_scheduler_started_with_wait_takes_over_when_the_first_stops(app) -> None:  # type: ignore[no-untyped-def]
    import threading

    acquired, release = threading.Event(), threading.Event()

    def second() -> None:
        with app.app_context(), scheduler_lock(app, wait=True, poll_seconds=0.02):
            acquired.set()
            release.wait(timeout=30)

    with scheduler_lock(app):
        waiting = threading.Thread(target=second)
        waiting.start()
        assert not acquired.wait(timeout=0.3)  # still waiting while the first runs
    assert acquired.wait(timeout=10)  # the first stopped: the second runs
    release.set()
    waiting.join(timeout=10)


def test_second_scheduler_command_exits_with_a_clear_message(app, runner) -> None:  # type: ignore[no-untyped-def]
    with scheduler_lock(app):
        result = runner.invoke(args=["scheduler", "--once"])
    assert result.exit_code == 1
    assert "Only one scheduler may run" in result.output


def test_scheduler_once_sends_due_mail_and_writes_a_heartbeat(app, runner, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(title="Café", start_local=datetime(2026, 6, 2, 18, 0))
    subscription = service.subscribe("ro@example.org", kind=TargetKind.SERIES, target_id=series.id, now=clock.now())
    service.confirm_subscription(subscription, now=clock.now())
    db.session.commit()
    result = runner.invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    assert [r.subject for r in smtp_server.received] == ["Reminder: Café"]
    heartbeat = db.session.get(SchedulerHeartbeat, "scheduler")
    assert heartbeat.last_tick_at == clock.now() and "sent 1" in heartbeat.last_summary


def test_jobs_have_fixed_ids_coalesce_one_instance_and_a_misfire_grace(app) -> None:  # type: ignore[no-untyped-def]
    scheduler = build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    # Each domain registered its own (ink/jobs.py): events the horizon, sources their sync, reminders the rest.
    assert set(jobs) == {"dispatch-due", "extend-horizon", "purge-unconfirmed", "sync-sources", "weekly-digests"}
    assert {job.name for job in jobs_of(app)} == set(jobs)
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
        assert str(job.trigger.timezone) == "Europe/Oslo"
        assert job.func is _run_and_report and job.args[1] in jobs_of(app) and job.args[1].name == job.id
    # What each does and when: dispatch every minute, the horizon (and the purge) daily, digests on Monday morning.
    registered = {job.id: job.args[1] for job in jobs.values()}
    assert (str(jobs["dispatch-due"].trigger), registered["dispatch-due"].func.__name__) == ("interval[0:01:00]", "send_due")
    assert (str(jobs["extend-horizon"].trigger), registered["extend-horizon"].func.__name__) == (
        "cron[hour='3', minute='17']", "extend_horizon_job")
    assert (str(jobs["purge-unconfirmed"].trigger), registered["purge-unconfirmed"].func.__name__) == (
        "cron[hour='3', minute='27']", "purge_unconfirmed_addresses")
    assert (str(jobs["weekly-digests"].trigger), registered["weekly-digests"].func.__name__) == (
        "cron[day_of_week='mon', hour='7', minute='0']", "send_weekly")
    assert (str(jobs["sync-sources"].trigger), registered["sync-sources"].func.__name__) == (
        "interval[0:15:00]", "sync_sources_job")
    # Grace suited to each: a late minute tick is dropped before the next one is due; the daily jobs
    # still run hours late; the weekly one within its day, well inside the digest's two-day window.
    assert jobs["dispatch-due"].misfire_grace_time == 50
    assert jobs["extend-horizon"].misfire_grace_time == jobs["purge-unconfirmed"].misfire_grace_time == 6 * 3600
    assert jobs["weekly-digests"].misfire_grace_time == 12 * 3600 < WEEKLY_WINDOW.total_seconds()
    # A sync more than ten minutes late is dropped: the next one is due five minutes later.
    assert jobs["sync-sources"].misfire_grace_time == 600
    # Building twice (a restart) does not multiply jobs.
    assert len(build_scheduler(app).get_jobs()) == 5


def test_tick_plans_sends_and_beats(app, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    summary = tick(app)
    assert summary.startswith("planned 0")
    assert db.session.get(SchedulerHeartbeat, "scheduler") is not None


def _dashboard_panel(app, client, auth) -> str:  # type: ignore[no-untyped-def]
    auth.login("coordinator@example.org")
    with app.test_request_context("/manage/"):
        from flask_login import login_user

        from ink.auth.service import find_user_by_email

        login_user(find_user_by_email("coordinator@example.org"))
        return render_template_string('{% from "_macros.html" import panels with context %}{{ panels("dashboard") }}')


def test_dashboard_warns_when_the_scheduler_is_stale(app, client, auth, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.coordinator()
    assert "never run" in _dashboard_panel(app, client, auth)
    tick(app)
    assert "The scheduler last ran" in _dashboard_panel(app, client, auth)
    assert "more than 5 minutes ago" not in _dashboard_panel(app, client, auth)
    clock.advance(minutes=6)
    assert "more than 5 minutes ago" in _dashboard_panel(app, client, auth)


def test_public_panels_offer_subscription_forms(app, factory) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Library")
    series = factory.series(title="Story time", organisation=organisation)
    with app.test_request_context("/"):
        html = render_template_string('{% from "_macros.html" import panels with context %}{{ panels("public_event", series) }}{{ panels("public_organisation", org) }}',
                                      series=series, org=organisation)
    assert f'action="/subscribe/series/{series.id}"' in html
    assert f'action="/subscribe/organisation/{organisation.slug}"' in html


@pytest.fixture
def file_backend(app_config, tmp_path):  # type: ignore[no-untyped-def]
    app_config["MAIL_BACKEND"] = "file"
    return tmp_path / "mail"


def test_file_backend_writes_eml_files_that_coordinators_can_read(file_backend, app, client, auth, factory, clock) -> None:  # type: ignore[no-untyped-def]
    factory.coordinator()
    series = factory.series(title="Carnival", start_local=datetime(2026, 6, 2, 18, 0))
    subscription = service.subscribe("su@example.org", kind=TargetKind.SERIES, target_id=series.id, now=clock.now())
    service.confirm_subscription(subscription, now=clock.now())
    db.session.commit()
    run_outbox(clock.now())
    # (The coordinator's weekly summary goes too: its window runs from Monday morning to Wednesday.)
    [path] = [p for p in file_backend.glob("*.eml") if b"Subject: Reminder: Carnival" in p.read_bytes()]
    raw = path.read_bytes()
    # RFC 8058 headers stay plain, unfolded and unencoded, however long the token.
    assert b"\r\nList-Unsubscribe: <https://ink.example.org/subscriptions/unsubscribe/" in raw
    assert b"\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw
    files = [path]
    assert client.get("/manage/outbox").status_code == 302  # sign in first
    factory.user("editor@example.org")
    auth.login("editor@example.org")
    assert client.get("/manage/outbox").status_code == 403
    auth.logout()
    auth.login("coordinator@example.org")
    page = client.get("/manage/outbox")
    assert page.status_code == 200 and files[0].name.encode() in page.data
    message = client.get(f"/manage/outbox/files/{files[0].name}")
    assert message.status_code == 200 and b"Reminder: Carnival" in message.data and b"event.ics" in message.data
    assert client.get("/manage/outbox/files/..%2Fscheduler.lock").status_code == 404


@pytest.fixture
def csrf_on(app_config):  # type: ignore[no-untyped-def]
    app_config["WTF_CSRF_ENABLED"] = True


def test_forms_need_csrf_but_one_click_unsubscribe_is_exempt(csrf_on, app, client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(title="Café", start_local=datetime(2026, 6, 2, 18, 0))
    form = {"email": "tu@example.org", "offset_minutes": "1440", "locale": "en", "consent": "y"}
    assert client.post(f"/subscribe/series/{series.id}", data=form).status_code == 400
    subscription = service.subscribe("tu@example.org", kind=TargetKind.SERIES, target_id=series.id, now=clock.now())
    service.confirm_subscription(subscription, now=clock.now())
    token = service.unsubscribe_token(subscription)
    db.session.commit()
    assert client.post(f"/subscriptions/unsubscribe/{token}").status_code == 400  # the page's button needs its token
    response = client.post(f"/subscriptions/unsubscribe/{token}/one-click", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert subscription.unsubscribed_at is not None
    page = client.get(f"/subscribe/series/{series.id}")
    assert b'name="csrf_token"' in page.data


def test_the_disabled_backend_refuses_to_send(app_config, app, factory, clock) -> None:  # type: ignore[no-untyped-def]
    app.config["MAIL_BACKEND"] = "disabled"
    from ink.reminders.mail import MailDisabled
    from ink.reminders.dispatch import dispatch_due

    series = factory.series(title="Café", start_local=datetime(2026, 6, 2, 18, 0))
    subscription = service.subscribe("vu@example.org", kind=TargetKind.SERIES, target_id=series.id, now=clock.now())
    db.session.commit()
    with pytest.raises(MailDisabled):
        dispatch_due(clock.now())
    assert subscription.id
    _ = timedelta, UTC


def test_daily_job_extends_the_horizon_and_forgets_unconfirmed_addresses(app, factory, clock) -> None:  # type: ignore[no-untyped-def]
    from ink.events.models import Occurrence
    from ink.events.recurrence import Recurrence
    from ink.reminders.models import Subscriber

    series = factory.series(title="Weekly", recurrence=Recurrence(freq="weekly"))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Occurrence))
    service.subscribe("never@example.org", kind=TargetKind.SERIES, target_id=series.id, now=clock.now())
    confirmed = service.subscribe("yes@example.org", kind=TargetKind.SERIES, target_id=series.id, now=clock.now())
    service.confirm_subscription(confirmed, now=clock.now())
    db.session.commit()
    clock.advance(days=31)
    for job in jobs_of(app):  # the daily jobs: the horizon (events) and the purge (reminders)
        if job.name in {"extend-horizon", "purge-unconfirmed"}:
            run_job(app, job)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Occurrence)) > before
    assert db.session.scalars(sa.select(Subscriber.email)).all() == ["yes@example.org"]


def test_cancelling_a_whole_series_notifies_subscribers(app, client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    from ink.events import service as events

    series = factory.series(title="Choir", start_local=datetime(2026, 6, 4, 18, 0))
    subscription = service.subscribe("wu@example.org", kind=TargetKind.SERIES, target_id=series.id, now=clock.now())
    service.confirm_subscription(subscription, now=clock.now())
    db.session.commit()
    events.cancel_series(series, reason="Season over", now=clock.now())
    db.session.commit()
    run_outbox(clock.now())
    clock.set(datetime(2026, 6, 3, 16, 0, tzinfo=UTC))
    run_outbox(clock.now())
    assert [r.subject for r in smtp_server.received] == ["Cancelled: Choir"]


def test_mail_settings_choose_the_backend(app) -> None:  # type: ignore[no-untyped-def]
    from ink.reminders.mail import DisabledMailer, FileMailer, SMTPMailer, mailer_from_config

    app.config.update(MAIL_BACKEND="smtp", MAIL_HOST="smtp.example.org", MAIL_PORT=587, MAIL_SECURITY="starttls",
                      MAIL_USERNAME="ink", MAIL_PASSWORD="secret")
    mailer = mailer_from_config()
    assert isinstance(mailer, SMTPMailer)
    assert (mailer.host, mailer.port, mailer.security, mailer.username) == ("smtp.example.org", 587, "starttls", "ink")
    app.config["MAIL_SECURITY"] = "ssl3"
    with pytest.raises(ValueError):
        mailer_from_config()
    app.config["MAIL_BACKEND"] = "file"
    assert isinstance(mailer_from_config(), FileMailer)
    app.config["MAIL_BACKEND"] = "disabled"
    assert isinstance(mailer_from_config(), DisabledMailer)


def test_unreachable_smtp_server_is_a_temporary_failure(app, factory, clock) -> None:  # type: ignore[no-untyped-def]
    from ink.reminders.dispatch import dispatch_due
    from tests.reminders.conftest import _free_port

    app.config.update(MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1", MAIL_PORT=_free_port())
    series = factory.series(title="Café", start_local=datetime(2026, 6, 2, 18, 0))
    subscription = service.subscribe("xu@example.org", kind=TargetKind.SERIES, target_id=series.id, now=clock.now())
    service.confirm_subscription(subscription, now=clock.now())
    db.session.commit()
    plan = run_outbox  # plan + dispatch
    result = plan(clock.now())
    assert result.retried == 1 and result.sent == 0
    row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder"))
    assert row.status == MessageStatus.PENDING and "cannot connect" in row.last_error
    assert dispatch_due(clock.now()).sent == 0  # not retried before its backoff


@pytest.mark.slow
def test_scheduler_process_ticks_refuses_a_second_and_stops_on_sigterm(app, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`flask --app ink scheduler` as `make run` starts it: its own process, a heartbeat at once,
    a second one exits with a clear message, SIGTERM stops it and frees the lock."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = os.environ | {
        "INK_DATABASE_URL": database_url, "INK_SECRET_KEY": "scheduler-test", "INK_MAIL_BACKEND": "file",
        "INK_MAIL_DIRECTORY": str(tmp_path / "mail"), "INK_SCHEDULER_LOCK_FILE": str(tmp_path / "scheduler.lock"),
    }
    command = [sys.executable, "-m", "flask", "--app", "ink", "scheduler"]
    root = Path(__file__).resolve().parents[2]
    first = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while (heartbeat := db.session.get(SchedulerHeartbeat, "scheduler")) is None or heartbeat.last_summary == "started":
            db.session.rollback()
            assert first.poll() is None, first.communicate()[0]
            assert time.monotonic() < deadline, "no tick within a minute"
            time.sleep(0.1)
        assert heartbeat.last_summary.startswith("planned 0")
        second = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and "Only one scheduler may run" in second.stderr
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=20) == 0
        output = first.communicate()[0]
        assert "Scheduler running (jobs: dispatch-due, extend-horizon, purge-unconfirmed, sync-sources, weekly-digests)" in output
        again = subprocess.run(command + ["--once"], cwd=root, env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stderr
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()


def test_coordinator_dashboard_page_shows_the_heartbeat_and_warns_when_stale(app, client, auth, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    factory.coordinator()
    factory.user("editor@example.org")
    auth.login("editor@example.org")
    assert b"The scheduler" not in client.get("/manage/").data  # editors are not shown it
    auth.logout()
    auth.login("coordinator@example.org")
    assert b"The scheduler has never run" in client.get("/manage/").data
    tick(app)
    page = client.get("/manage/").get_data(as_text=True)
    assert "The scheduler last ran" in page and "more than 5 minutes ago" not in page
    clock.advance(minutes=6)
    page = client.get("/manage/").get_data(as_text=True)
    assert "more than 5 minutes ago: reminders and notices are not going out" in page


def test_mail_is_configured_by_ink_mail_environment_variables(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ink import create_app
    from ink.reminders.mail import FileMailer, SMTPMailer, mailer_from_config, sender_address

    monkeypatch.setenv("INK_SECRET_KEY", "environment-test")
    monkeypatch.setenv("INK_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    # Without mail settings (the defaults, no instance config): files under instance/, for the outbox page.
    development = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"})
    mailer = mailer_from_config(development)
    assert isinstance(mailer, FileMailer) and mailer.directory == Path(development.instance_path) / "mail"
    monkeypatch.setenv("INK_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("INK_MAIL_HOST", "smtp.example.net")
    monkeypatch.setenv("INK_MAIL_PORT", "465")
    monkeypatch.setenv("INK_MAIL_SECURITY", "tls")
    monkeypatch.setenv("INK_MAIL_USERNAME", "ink")
    monkeypatch.setenv("INK_MAIL_PASSWORD", "s3cret")
    monkeypatch.setenv("INK_MAIL_FROM", "INK Events <post@ink.example.net>")
    production = create_app()
    mailer = mailer_from_config(production)
    assert isinstance(mailer, SMTPMailer)
    assert (mailer.host, mailer.port, mailer.security, mailer.username, mailer.password) == (
        "smtp.example.net", 465, "tls", "ink", "s3cret")
    assert sender_address(production) == "INK Events <post@ink.example.net>"
