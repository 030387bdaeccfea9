"""Every kind of email, sent to recipients who read a catalogue language, is in that language throughout.

One run per catalogue folder of ink/translations (Bokmål today; each language the translators add is
checked as soon as its folder lands). One scenario makes the scheduler send each kind for real
(subscribers, an editor and a coordinator who chose the language; the names in it are Norwegian, as in
the network); then every English sentence of the email templates and of the composer is looked
for in what arrived (subjects, plain text and HTML), and so are common English words that would
betray a sentence not marked for translation at all.
"""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from ink.auth.models import User
from ink.events import moderation, service as events
from ink.events.models import SeriesStatus
from ink.events.models import Occurrence
from ink.events.recurrence import Recurrence
from ink.extensions import db
from ink.organisations.models import OrganisationModeration, OrganisationStatus
from ink.organisations.service import add_editor
from ink.notices import queue_notice
from ink.reminders.models import MessageKind, MessageStatus, OutboxMessage
from ink.sources.models import CalendarSource, SourceStatus
from ink.sources.sync import FAILURE_NOTICE
from ink.organisations.invitations import invite
from ink.organisations.service import get_organisation_by_slug
from tests.conftest import PASSWORD
from ink.auth.models import User
from ink.organisations import joining
from ink.organisations.models import OrganisationApplication
from tests.reminders.conftest import Received, link_in, run_outbox, subscribe_and_confirm

UTC = timezone.utc
ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
URL = re.compile(r"https?://\S+")
TAG = re.compile(r"<[^>]+>")
# English words that never occur in Bokmål text; one of them in a Bokmål email means English slipped in.
ENGLISH_WORDS = re.compile(r"\b(the|you|your|this|that|with|please|been|will|here|has|from|when|what|about|there|"
                           r"reminder|subscribed|unsubscribe|cancelled|changed|tomorrow|count|week)\b", re.IGNORECASE)
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None, "NP_": (1, 2)}
TRANSLATIONS = ROOT / "ink" / "translations"
EMAIL_LANGUAGES = sorted(folder.name for folder in TRANSLATIONS.iterdir()
                         if (folder / "LC_MESSAGES" / "messages.po").is_file())
# Words of ENGLISH_WORDS that are words of the language too ("has" is Spanish).
NOT_ENGLISH_THERE = {"es": {"has"}}


def _english_words_in(text: str, language: str) -> list[str]:
    return [word for word in ENGLISH_WORDS.findall(text) if word.lower() not in NOT_ENGLISH_THERE.get(language, set())]


def _email_msgids() -> set[str]:
    """The English messages of the email templates and of the code that composes emails."""
    sources = [(path, "jinja2") for path in sorted((ROOT / "templates" / "emails").iterdir())]
    sources.append((ROOT / "ink" / "reminders" / "compose.py", "python"))
    found = set()
    for path, method in sources:
        for _lineno, message, _comments, _context in extract_from_file(method, str(path), keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _english_fragments(language: str = "nb") -> list[str]:
    """The literal parts of each email message whose Bokmål translation differs from the English."""
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle, locale=language)
    fragments = []
    for msgid in _email_msgids():
        entry = catalogue.get(msgid)
        assert entry is not None and entry.string and not entry.fuzzy, f"no Bokmål for {msgid!r}"
        if entry.string == msgid:
            continue  # the same in both languages (a name): nothing to detect
        for part in PLACEHOLDER.split(msgid):
            part = part.strip(" .,:;")
            if sum(character.isalpha() for character in part) >= 4:
                fragments.append(part)
    return fragments


WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _catalogue_phrases(language: str = "nb") -> list[str]:
    """The English phrases of the whole catalogue (messages.pot) that must never show in a Bokmål email.

    Each msgid is cut at its placeholders. A part of three or more words always counts. A part of one
    or two words counts only when each word has at least four letters and none of them occurs anywhere
    in the Bokmål catalogue: short words ("to", "of", "At") hide inside other text, and words that the
    Bokmål text uses too are names or shared words ("Google", "Roma", "Administrator"). Messages whose
    Bokmål is the same as the English (names) are skipped.
    """
    with open(ROOT / "ink" / "translations" / "messages.pot", "rb") as handle:
        template = read_po(handle)
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle, locale=language)
    bokmaal_words = {
        word.lower() for entry in catalogue if entry.id
        for text in (entry.string if isinstance(entry.string, tuple) else (entry.string,))
        for word in WORD.findall(text or "")
    }
    phrases = set()
    for entry in template:
        if not entry.id:
            continue
        translated = catalogue.get(entry.id)
        assert translated is not None and translated.string, f"no Bokmål for {entry.id!r}"
        if translated.string == entry.id:
            continue
        for msgid in entry.id if isinstance(entry.id, tuple) else (entry.id,):
            for part in PLACEHOLDER.split(msgid.replace("%%", "%")):
                words = WORD.findall(part)
                if len(words) >= 3 or (words and all(
                        len(word) >= 4 and word.lower() not in bokmaal_words for word in words)):
                    phrases.add(" ".join(words))
    return sorted(phrases)


def _english_phrases_in(text: str, phrases: list[str]) -> list[str]:
    """The phrases that occur in ``text`` as whole words (any case, any spacing between the words)."""
    words = " ".join(WORD.findall(text)).lower()
    return [phrase for phrase in phrases if re.search(rf"(?<!\w){re.escape(phrase.lower())}(?!\w)", words)]


def _readable(received: Received) -> str:
    """What a reader sees: the subject, the plain text and the HTML's text, without links."""
    body = received.message.get_body(preferencelist=("html",))
    assert body is not None
    html_text = html.unescape(TAG.sub(" ", body.get_content()))
    return URL.sub(" ", "\n".join((received.subject, received.text, html_text)))


def _bokmaal_user(factory, email: str, language: str = "nb", **kwargs) -> None:  # type: ignore[no-untyped-def]
    user = factory.user(email, **kwargs)
    user.locale = language
    db.session.commit()


def _occurrence_of(series_id: int) -> Occurrence:
    return db.session.scalars(
        sa.select(Occurrence).where(Occurrence.series_id == series_id).order_by(Occurrence.start_at)
    ).first()


def _moderate_in_bokmaal(factory, clock) -> None:  # type: ignore[no-untyped-def]
    """Moderation notices (ink/events/moderation.py): a reviewed organisation's requests, one approved, one returned."""
    reviewed = factory.organisation("Dugnadslaget", moderation=OrganisationModeration.REVIEWED)
    editor = db.session.scalar(sa.select(User).where(User.email == "redaktor@example.org"))
    coordinator = db.session.scalar(sa.select(User).where(User.email == "koordinator@example.org"))
    add_editor(reviewed, editor)
    approved, returned = (factory.series(title=title, organisation=reviewed, start_local=datetime(2026, 9, 1, 18, 0),
                                         status=SeriesStatus.DRAFT) for title in ("Dugnad", "Quiz"))
    moderation.approve_request(moderation.request_publish(approved, by=editor, now=clock.now()), by=coordinator,
                               now=clock.now())
    moderation.return_request(moderation.request_publish(returned, by=editor, now=clock.now()),
                              comment="Skriv litt mer om hva vi skal gjøre.", by=coordinator, now=clock.now())
    db.session.commit()


def _send_every_kind_in_bokmaal(client, factory, clock, smtp_server, language: str = "nb") -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    """Make the scheduler send one or more of every kind of message, all to Bokmål readers."""
    topics = factory.topics()
    organisation = factory.organisation("Språkklubben")
    factory.organisation("Venteforeningen", status=OrganisationStatus.PENDING)
    _bokmaal_user(factory, "redaktor@example.org", language, editor_of=[organisation])
    _bokmaal_user(factory, "koordinator@example.org", language, coordinator=True)
    ids = {
        name: factory.series(title=title, organisation=organisation, start_local=start, **extra).id
        for name, title, start, extra in (
            ("reminded", "Språkkafé", datetime(2026, 6, 4, 18, 0), {}),
            ("cancelled", "Strikkekafé", datetime(2026, 6, 5, 18, 0), {}),
            ("moved", "Leksehjelp", datetime(2026, 6, 5, 17, 0), {}),
            ("rescheduled", "Kor", datetime(2026, 6, 4, 19, 0), {"recurrence": Recurrence(freq="weekly")}),
            ("past", "Søndagstreff", datetime(2026, 6, 1, 18, 0), {}),  # ended without a count: nudges
        )
    }
    topic_slug, organisation_slug = topics[0].slug, organisation.slug
    reader = "kari@example.org"
    for path in [f"/subscribe/series/{ids[name]}" for name in ("reminded", "cancelled", "moved", "rescheduled")] + [
            f"/subscribe/organisation/{organisation_slug}", f"/subscribe/topic/{topic_slug}", "/subscribe/digest"]:
        subscribe_and_confirm(client, smtp_server, clock, reader, path, locale=language)
    assert client.post("/subscriptions/", data={"email": reader}).status_code == 302

    # Changes: cancelled, moved, removed by a new rule; then the cancelled one restored.
    events.cancel_occurrence(_occurrence_of(ids["cancelled"]), reason="Sykdom", now=clock.now())
    moved = _occurrence_of(ids["moved"])
    new_start = moved.start_at + timedelta(days=1)
    events.move_occurrence(moved, start_at=new_start, end_at=new_start + timedelta(hours=2), venue=None, note="",
                           now=clock.now())
    choir = events.get_series(ids["rescheduled"])
    events.update_series(choir, events.SeriesData(title="Kor", organisation=choir.organisation,
                                                  start_local=datetime(2026, 6, 5, 19, 0), recurrence=Recurrence(freq="weekly")),
                         now=clock.now())
    db.session.commit()
    _moderate_in_bokmaal(factory, clock)
    run_outbox(clock.now())
    events.restore_occurrence(_occurrence_of(ids["cancelled"]), now=clock.now())
    db.session.commit()
    clock.advance(minutes=1)
    run_outbox(clock.now())
    for moment in (datetime(2026, 6, 3, 8, 0, tzinfo=UTC),  # 10:00 Oslo the day before: the editor's reminder
                   datetime(2026, 6, 3, 16, 0, tzinfo=UTC),  # 24 hours before: the resident's reminder
                   datetime(2026, 6, 8, 5, 0, tzinfo=UTC)):  # Monday 07:00 Oslo: digest, summary, second nudge
        clock.set(moment)
        run_outbox(clock.now())

    _send_account_notices_in_bokmaal(client, organisation_slug, clock, smtp_server, language)
    run_outbox(clock.now())
    _send_joining_notices_in_bokmaal(factory, organisation_slug, clock, language)
    run_outbox(clock.now())
    _send_source_notice(factory, clock, language)
    run_outbox(clock.now())

    sent = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status == MessageStatus.SENT)).all()
    notice = MessageKind.NOTICE.value
    assert {row.kind for row in sent} - {notice} == {kind.value for kind in MessageKind} - {notice}
    # Every notice another domain registered (ink/notices.py) is among them: add its step above.
    assert {row.payload["notice"] for row in sent if row.kind == notice} == set(current_app.extensions.get("ink.notices", {}))
    assert {row.payload.get("change") for row in sent if row.kind == MessageKind.CHANGE_NOTICE.value} == {
        "cancelled", "moved", "removed", "restored"}
    assert {row.locale for row in sent} == {language}
    assert len(smtp_server.received) == len(sent)
    return sent


def _send_source_notice(factory, clock, language: str) -> None:  # type: ignore[no-untyped-def]
    """A calendar source that keeps failing (ink/sources): the notice its editors get once."""
    club = factory.organisation("Sandnes Sjakk", slug="sandnes-sjakk")
    source = CalendarSource(organisation=club, name="Sjakk-kalender", url="https://kalender.example.org/sjakk.ics",
                            created_at=clock.now(), status=SourceStatus.FAILING.value, consecutive_failures=3,
                            status_message="The server answered HTTP %(status)s.", status_params={"status": "500"},
                            problems=[])
    db.session.add(source)
    db.session.flush()
    queue_notice(FAILURE_NOTICE, ref=f"source:{source.id}", recipient="sjakk@example.org", locale=language,
                 now=clock.now(), payload={"source_id": source.id})
    db.session.commit()


def _send_joining_notices_in_bokmaal(factory, organisation_slug, clock, language: str = "nb") -> None:  # type: ignore[no-untyped-def]
    """An application to join from a Bokmål reader (confirmation; the coordinator told; approved), another
    declined with a message, and a co-organiser request to a Bokmål editor (ink/organisations/joining.py,
    ink/events/consent.py)."""
    now = clock.now()
    coordinator = db.session.scalar(sa.select(User).where(User.email == "koordinator@example.org"))
    for name, email in (("Korforeningen Samklang", "soker@example.org"), ("Avslått lag", "avslag@example.org")):
        joining.apply_to_join(joining.ApplicationData(name=name, applicant_name="Siri", applicant_email=email),
                              locale=language, now=now)
    db.session.commit()
    run_outbox(clock.now())
    approved, declined = db.session.scalars(sa.select(OrganisationApplication).order_by(OrganisationApplication.id))
    for application in (approved, declined):
        joining.confirm_application(application, now=now)
    db.session.commit()
    run_outbox(clock.now())  # the coordinator hears of them while they wait
    joining.approve_application(approved, name=approved.name, slug=None, by=coordinator, now=now)
    joining.decline_application(declined, message="Dere holder til utenfor byen.", by=coordinator, now=now)
    partner = factory.organisation("Naboforeningen")
    _bokmaal_user(factory, "naboleder@example.org", language, editor_of=[partner])
    factory.series(title="Nabolagsfest", organisation=get_organisation_by_slug(organisation_slug),
                   start_local=datetime(2026, 6, 20, 12, 0), coorganisers=[partner], coorganisers_accepted=False)
    db.session.commit()


def _send_account_notices_in_bokmaal(client, organisation_slug, clock, smtp_server, language: str = "nb") -> None:  # type: ignore[no-untyped-def]
    """Invitations (by a person and by the network), a password reset, an email change and its notice to
    the old address, each for a Bokmål reader (accounts and invitations, ink/auth, ink/organisations)."""
    organisation = get_organisation_by_slug(organisation_slug)
    client.post("/logout")
    client.post("/login", data={"email": "koordinator@example.org", "password": PASSWORD})
    assert client.post(f"/manage/organisations/{organisation.id}/members", data={"email": "ny@example.org"}).status_code == 302
    invite(organisation, "nettverk@example.org", invited_by=None, now=clock.now(), locale=language)
    db.session.commit()
    client.post("/logout")
    assert client.post("/password/forgot", data={"email": "redaktor@example.org"}).status_code == 302
    client.post("/login", data={"email": "redaktor@example.org", "password": PASSWORD})
    assert client.post("/account/email", data={"email-email": "redaktor2@example.org", "email-password": PASSWORD}).status_code == 302
    run_outbox(clock.now())
    confirm = smtp_server.handler.to("redaktor2@example.org")[-1]
    assert client.post(link_in(confirm, "/account/email/confirm/")).status_code == 302
    client.post("/logout")


def _kind(received: Received) -> str:
    """The outbox kind, from the Message-ID the composer gives each row: <ink.KIND.ID@domain>."""
    return str(received.message["Message-ID"]).strip("<>").split(".")[1]


@pytest.mark.parametrize("language", EMAIL_LANGUAGES)
def test_every_kind_of_email_is_fully_in_the_readers_language(client, factory, clock, smtp_server, language: str) -> None:  # type: ignore[no-untyped-def]
    _send_every_kind_in_bokmaal(client, factory, clock, smtp_server, language)
    fragments = _english_fragments(language)
    assert len(fragments) > 40  # the check is looking at real sentences
    for received in smtp_server.received:
        text = _readable(received)
        assert [fragment for fragment in fragments if fragment in text] == [], text
        assert _english_words_in(text, language) == [], text


def _kinds_sent() -> set[str]:
    """Every kind of message; notices only once some domain registered one."""
    kinds = {kind.value for kind in MessageKind}
    return kinds if current_app.extensions.get("ink.notices") else kinds - {MessageKind.NOTICE.value}


@pytest.mark.parametrize("language", EMAIL_LANGUAGES)
def test_no_english_phrase_of_the_whole_catalogue_shows_in_the_emails(client, factory, clock, smtp_server, language: str) -> None:  # type: ignore[no-untyped-def]
    """Every kind of email, text and HTML, against every English message of the app, not only the emails'."""
    _send_every_kind_in_bokmaal(client, factory, clock, smtp_server, language)
    phrases = _catalogue_phrases(language)
    assert len(phrases) > 400 and "Reminder" in phrases and "Unsubscribe from these emails" in phrases
    assert "Google Calendar" not in phrases and "to" not in phrases  # a name Bokmål uses too; too short to tell
    kinds = set()
    for received in smtp_server.received:
        kinds.add(_kind(received))
        text = _readable(received)
        assert _english_phrases_in(text, phrases) == [], text
    assert kinds == _kinds_sent()


def test_every_message_has_text_and_html_and_the_right_unsubscribe(client, factory, clock, smtp_server) -> None:  # type: ignore[no-untyped-def]
    """Residents' messages carry the RFC 8058 one-click unsubscribe and the manage link; staff messages
    the one-click unsubscribe from that kind of message (staff have no subscriptions to manage). The
    confirmation and the manage link are answers to the resident's own request: nothing to unsubscribe."""
    _send_every_kind_in_bokmaal(client, factory, clock, smtp_server)
    resident = {MessageKind.REMINDER.value, MessageKind.CHANGE_NOTICE.value, MessageKind.DIGEST.value}
    staff = {MessageKind.ORGANISER_REMINDER.value, MessageKind.NUDGE.value, MessageKind.NUDGE_AGAIN.value,
             MessageKind.COORDINATOR_SUMMARY.value}
    # Notices (invitations, password resets, ...) answer an action of the recipient's or about their account.
    requested = {MessageKind.CONFIRM.value, MessageKind.MANAGE_LINK.value, MessageKind.NOTICE.value}
    assert resident | staff | requested == {kind.value for kind in MessageKind}
    for received in smtp_server.received:
        kind, message = _kind(received), received.message
        assert received.text.strip() and message.get_body(preferencelist=("html",)) is not None
        assert message["Auto-Submitted"] == "auto-generated"
        if kind in requested:
            assert message["List-Unsubscribe"] is None
            continue
        assert message["List-Unsubscribe"].startswith("<https://ink.example.org/subscriptions/unsubscribe/")
        assert message["List-Unsubscribe"].endswith("/one-click>")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "https://ink.example.org/subscriptions/unsubscribe/" in received.text
        assert ("https://ink.example.org/subscriptions/manage/" in received.text) == (kind in resident)
