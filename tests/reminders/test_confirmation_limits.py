"""Confirmation and manage-link emails per address per day, whatever the client (counted in the outbox),
and subscribe requests per client (ink/ratelimit.py, in memory or shared through Redis)."""
from __future__ import annotations

import socket
import uuid
from datetime import datetime, timedelta

import pytest

from ink.events.recurrence import Recurrence
from tests.reminders.conftest import run_outbox, subscribe_and_confirm

VICTIM = "victim@example.org"
FORM = {"email": VICTIM, "locale": "en", "offset_minutes": "1440", "consent": "y"}


@pytest.fixture
def targets(factory) -> list[str]:  # type: ignore[no-untyped-def]
    """Subscribe paths of 12 events, 4 organisations, the topics and the digest: each a separate subscription."""
    organisations = [factory.organisation(f"Org {n}") for n in range(4)]
    paths = [f"/subscribe/series/{factory.series(organisation=organisations[n % 4], start_local=datetime(2026, 6, 9, 18, 0), recurrence=Recurrence(freq='weekly')).id}"
             for n in range(12)]
    paths += [f"/subscribe/organisation/{organisation.slug}" for organisation in organisations]
    paths += [f"/subscribe/topic/{topic.slug}" for topic in factory.topics()[:4]] + ["/subscribe/digest"]
    return paths


def _post(client, path: str, address: str = "198.51.100.7", **data: str):  # type: ignore[no-untyped-def]
    return client.post(path, data=FORM | data, environ_base={"REMOTE_ADDR": address})


def test_eighty_requests_from_one_client_send_at_most_three_confirmations(client, targets, smtp_server, clock) -> None:  # type: ignore[no-untyped-def]
    answers = [_post(client, targets[n % len(targets)]) for n in range(80)]
    run_outbox(clock.now())
    assert len(smtp_server.handler.to(VICTIM)) == 3
    # The per-client limit (30 an hour) answers a clear 429 beyond it, which says nothing about the address.
    statuses = [answer.status_code for answer in answers]
    assert statuses[:30] == [302] * 30 and set(statuses[30:]) == {429}
    assert "Too many attempts" in answers[-1].get_data(as_text=True) and answers[-1].headers["Retry-After"]
    # Within the client's allowance, the answer for the fourth (not sent) looks like the first (sent).
    assert {answer.headers["Location"] for answer in answers[:30]} == {answers[0].headers["Location"]}


def test_many_clients_still_send_at_most_three_and_the_next_day_one_more(client, targets, smtp_server, clock) -> None:  # type: ignore[no-untyped-def]
    answers = [_post(client, targets[n % len(targets)], address=f"203.0.113.{n + 1}") for n in range(80)]
    assert {answer.status_code for answer in answers} == {302}
    run_outbox(clock.now())
    assert len(smtp_server.handler.to(VICTIM)) == 3
    clock.advance(hours=23)
    _post(client, targets[0], address="192.0.2.1")
    run_outbox(clock.now())
    assert len(smtp_server.handler.to(VICTIM)) == 3  # still within 24 hours of the first three
    clock.advance(hours=1, minutes=1)
    for n in range(5):
        _post(client, targets[n], address=f"192.0.2.{n + 10}")
    run_outbox(clock.now())
    # A sliding day: the first three left the window, so up to three more; the two of other
    # subscriptions did not (the same subscription also waits 10 minutes between confirmations).
    assert len(smtp_server.handler.to(VICTIM)) == 6
    # Another address is not affected by the victim's allowance.
    _post(client, targets[0], address="192.0.2.99", email="someone@example.org")
    run_outbox(clock.now())
    assert len(smtp_server.handler.to("someone@example.org")) == 1


def test_manage_link_requests_send_at_most_three_a_day(client, targets, smtp_server, clock) -> None:  # type: ignore[no-untyped-def]
    _post(client, targets[0])
    run_outbox(clock.now())
    answers = []
    for n in range(20):
        clock.advance(minutes=2)  # the manage link's own key is per minute
        answers.append(client.post("/subscriptions/", data={"email": VICTIM}, environ_base={"REMOTE_ADDR": f"203.0.113.{n}"}))
        run_outbox(clock.now())
    assert {answer.status_code for answer in answers} == {302}
    links = [r for r in smtp_server.handler.to(VICTIM) if "/subscriptions/manage/" in r.text]
    assert len(links) == 3
    clock.advance(days=1)
    client.post("/subscriptions/", data={"email": VICTIM}, environ_base={"REMOTE_ADDR": "192.0.2.1"})
    run_outbox(clock.now())
    assert len([r for r in smtp_server.handler.to(VICTIM) if "/subscriptions/manage/" in r.text]) == 4


def test_one_client_is_refused_manage_links_beyond_its_allowance(client, targets, smtp_server, clock) -> None:  # type: ignore[no-untyped-def]
    statuses = [client.post("/subscriptions/", data={"email": f"a{n}@example.org"},
                            environ_base={"REMOTE_ADDR": "198.51.100.9"}).status_code for n in range(31)]
    assert statuses == [302] * 30 + [429]
    # Another client is not refused.
    assert client.post("/subscriptions/", data={"email": "b@example.org"},
                       environ_base={"REMOTE_ADDR": "198.51.100.10"}).status_code == 302


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis at 127.0.0.1:6379 (CI has one)")
def test_the_per_client_limit_is_shared_by_two_app_instances_through_redis(another_app, app, targets, smtp_server, clock, app_config) -> None:  # type: ignore[no-untyped-def]
    shared = {**app_config, "RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/0",
              "RATELIMIT_KEY_PREFIX": f"ink-test-{uuid.uuid4().hex}",
              "RATELIMITS": {**app.config["RATELIMITS"], "subscribe-client": (3, 3600)}}
    first, second = another_app(**shared).test_client(), another_app(**shared).test_client()
    assert [_post(c, targets[n]).status_code for n, c in enumerate((first, second, first))] == [302] * 3
    assert _post(second, targets[3]).status_code == 429
    assert _post(first, targets[4]).status_code == 429
    assert _post(second, targets[5], address="198.51.100.8").status_code == 302  # another client
    clock.advance(hours=1)
    assert _post(first, targets[6]).status_code == 302  # the next window


def test_a_resident_who_confirms_each_subscription_is_never_held_up(client, targets, smtp_server, clock) -> None:  # type: ignore[no-untyped-def]
    for path in targets[:6]:
        subscribe_and_confirm(client, smtp_server, clock, "keen@example.org", path)
    assert len(smtp_server.handler.to("keen@example.org")) == 6
