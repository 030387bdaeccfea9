"""Joining resists abuse: a honeypot and a minimum fill time (a bot's submission gets the ordinary answer and
nothing is stored or sent), rate limits per client and per address (lifted when the clock moves on), and
a confirmation link that is signed, single-use, expiring and good for nothing else."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from ink.extensions import db
from ink.organisations import joining
from ink.organisations.models import OrganisationApplication
from ink.reminders.models import OutboxMessage
from ink.tokens import make_token
from tests.organisations.conftest import mail_config, apply, started_stamp
from tests.reminders.conftest import link_in, run_outbox



@pytest.fixture
def app_config(smtp_server, tmp_path):  # type: ignore[no-untyped-def]
    return mail_config(smtp_server, tmp_path)


def _stored() -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(sa.select(sa.func.count()).select_from(OrganisationApplication)) or 0,
            db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) or 0)


@pytest.mark.parametrize("bait", [
    {"homepage": "https://cheap-pills.example"},  # the honeypot, filled
    {"wait_seconds": 1},  # faster than a person (JOIN_MIN_FILL_SECONDS is 5)
    {"started": "eyJ0IjoxfQ.forged"},  # a stamp we never signed
    {"started": ""},  # no stamp at all
])
def test_a_bots_submission_gets_the_ordinary_answer_and_nothing_is_kept(client, clock, smtp_server, bait) -> None:  # type: ignore[no-untyped-def]
    response = apply(client, clock, **bait)
    assert response.status_code == 302 and response.headers["Location"].endswith("/join/sent")
    assert client.get("/join/sent").status_code == 200
    assert _stored() == (0, 0)
    run_outbox(clock.now())
    assert smtp_server.received == []


def test_a_person_who_takes_their_time_is_not_a_bot(client, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    assert apply(client, clock, wait_seconds=5).status_code == 302
    assert _stored() == (1, 1)


def test_a_form_left_open_too_long_is_shown_again_with_a_fresh_stamp(client, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/join")
    stamp = started_stamp(page.get_data(as_text=True))
    clock.advance(hours=25)
    response = apply(client, clock, started=stamp)
    assert response.status_code == 422 and "open for a long time" in response.get_data(as_text=True)
    assert started_stamp(response.get_data(as_text=True)) != stamp
    assert _stored() == (0, 0)


def test_applications_are_limited_per_address_then_allowed_again(client, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):  # join-address: 3 a day
        assert apply(client, clock, name=f"Club {n}").status_code == 302
    refused = apply(client, clock, name="Club 3")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert _stored()[0] == 3
    assert apply(client, clock, name="Club 4", applicant_email="other@example.org").status_code == 302
    clock.advance(hours=24)
    assert apply(client, clock, name="Club 5").status_code == 302
    assert _stored()[0] == 5


def test_applications_are_limited_per_client_then_allowed_again(client, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    for n in range(5):  # join-client: 5 an hour, whatever the address
        assert apply(client, clock, name=f"Club {n}", applicant_email=f"a{n}@example.org").status_code == 302
    assert apply(client, clock, name="Club 5", applicant_email="a5@example.org").status_code == 429
    clock.advance(hours=1)
    assert apply(client, clock, name="Club 6", applicant_email="a6@example.org").status_code == 302


def _confirmation_path(client, clock, smtp_server) -> str:  # type: ignore[no-untyped-def]
    assert apply(client, clock).status_code == 302
    run_outbox(clock.now())
    [message] = smtp_server.handler.to("ingrid@example.org")
    return link_in(message, "/join/confirm/")


def test_the_confirmation_link_is_single_use(client, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    path = _confirmation_path(client, clock, smtp_server)
    assert client.post(path).status_code == 302
    for again in (client.get(path), client.post(path)):
        assert again.status_code == 410 and "already used" in again.get_data(as_text=True)


def test_the_confirmation_link_expires(client, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    path = _confirmation_path(client, clock, smtp_server)
    clock.advance(hours=73)  # JOIN_CONFIRM_HOURS is 72
    response = client.post(path)
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert _stored()[0] == 1 and db.session.scalar(sa.select(OrganisationApplication)).is_unconfirmed


def test_forged_tampered_and_crossed_links_are_refused(app, client, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    path = _confirmation_path(client, clock, smtp_server)
    token = path.rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    application = db.session.scalar(sa.select(OrganisationApplication))
    # The same payload signed for another purpose (the form's stamp) or with another key.
    far = clock.now() + timedelta(days=30)
    crossed = make_token(joining.STARTED_SALT, {"a": application.id, "n": application.nonce}, expires_at=far)
    invitation_purpose = make_token("ink.organisations.invitation", {"a": application.id, "n": application.nonce},
                                    expires_at=far)
    forged = URLSafeSerializer("not-our-key", salt=joining.CONFIRM_SALT).dumps(
        {"a": application.id, "n": application.nonce, "x": int(far.timestamp())})
    for bad in (tampered, crossed, invitation_purpose, forged, "nonsense"):
        response = client.post(f"/join/confirm/{bad}")
        assert response.status_code == 400 and "not valid" in response.get_data(as_text=True), bad
    # A confirmation token used as the form's stamp is not one: the submission counts as a bot's.
    assert apply(client, clock, started=token, name="Crossed Club").status_code == 302
    assert _stored()[0] == 1
    assert db.session.scalar(sa.select(OrganisationApplication)).is_unconfirmed
    assert client.post(path).status_code == 302  # the genuine link still works
