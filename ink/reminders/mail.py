"""Building messages (headers checked, .ics attached) and the backends that deliver them.

Backends: "smtp" (INK_MAIL_HOST, _PORT, _SECURITY none/starttls/tls, _USERNAME, _PASSWORD, _FROM),
"file" (the development default: one .eml file per message under instance/mail/) and "disabled"
(tests: any send raises).
"""
from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import smtplib
import ssl
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import headerregistry, policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import formataddr, format_datetime, getaddresses, parseaddr
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app
from icalendar import Calendar, Event, vCalAddress


class _HeaderClasses(headerregistry.HeaderRegistry):
    """The standard header registry, but each header class is made once (CPython makes a new class for
    every header it builds, a large part of the cost of a message), and a header seen recently (the
    same sender, subject or Content-Type in every message of a batch) is not parsed again: header
    objects are immutable."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}
        self._recent: dict[tuple[str, str], Any] = {}

    def __call__(self, name: str, value: Any) -> Any:
        if not isinstance(value, str):
            return super().__call__(name, value)
        key = (name, value)
        header = self._recent.get(key)
        if header is None:
            if len(self._recent) >= 512:
                self._recent.clear()
            header = self._recent[key] = super().__call__(name, value)
        return header

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


class _MailPolicy(policy.EmailPolicy):
    """A plain ASCII header that fits on one line is written as it is: the same bytes the general
    folding algorithm produces for it, without parsing it again."""

    def _as_is(self, name: str, value: str) -> str | None:
        text = str(value)
        if text.isascii() and "\r" not in text and "\n" not in text and (self.max_line_length is None or len(name) + len(text) + 2 <= self.max_line_length):
            return f"{name}: {text}{self.linesep}"
        return None

    def fold(self, name: str, value: str) -> str:
        return self._as_is(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        folded = self._as_is(name, value)
        return folded.encode("ascii") if folded is not None else super().fold_binary(name, value)


# SMTP's CRLF policy, but long headers are not folded into RFC 2047 encoded words: a List-Unsubscribe
# URL longer than 78 characters must stay a plain <https://...> for mail clients to act on it.
MAIL_POLICY = _MailPolicy(linesep="\r\n", max_line_length=998, header_factory=_HeaderClasses())


class HeaderInjection(ValueError):
    """A header value contained a line break."""


class MailDisabled(RuntimeError):
    """Raised by the "disabled" backend: this process must not send mail."""


class TemporaryMailError(Exception):
    """Worth retrying later (4xx reply, connection trouble). ``connection_lost``: stop this batch."""

    def __init__(self, message: str, *, connection_lost: bool = False) -> None:
        super().__init__(message)
        self.connection_lost = connection_lost


class PermanentMailError(Exception):
    """The server refused the message for good (5xx reply)."""


def check_header(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise HeaderInjection("Header values must not contain line breaks.")
    return value


def one_line(text: str, limit: int = 200) -> str:
    """User text (an event title) made fit for a subject: whitespace runs, CR and LF become one space."""
    return " ".join(text.split())[:limit]


@dataclass
class Attachment:
    filename: str
    content: str
    subtype: str = "calendar"
    params: dict[str, str] = field(default_factory=dict)


def build_message(*, sender: str, to: str, subject: str, text: str, html: str | None = None,
                  headers: dict[str, str] | None = None, attachments: list[Attachment] | None = None,
                  message_id: str | None = None, date: datetime | None = None) -> EmailMessage:
    """An RFC 5322 message built by the email package's SMTP policy; every header value is checked."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = check_header(sender)
    message["To"] = check_header(to)
    message["Subject"] = check_header(subject)
    if message_id:
        message["Message-ID"] = check_header(message_id)
    if date is not None:
        message["Date"] = format_datetime(date)
    for name, value in (headers or {}).items():
        message[check_header(name)] = check_header(value)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for attachment in attachments or []:
        message.add_attachment(
            attachment.content, subtype=attachment.subtype, filename=attachment.filename,
            params=attachment.params,
        )
    _set_boundaries(message)
    return message


def _set_boundaries(message: EmailMessage) -> None:
    """A random boundary for each multipart part, chosen here: left to the generator, it compiles a new
    regular expression for every message to make sure its boundary is not in the text (122 random bits
    need no such check)."""
    for part in message.walk():
        if part.is_multipart() and part.get_boundary() is None:
            part.set_boundary(_new_boundary())


def _new_boundary() -> str:
    return f"=_ink_{uuid.uuid4().hex}"


def _boundaries(message: EmailMessage) -> list[str]:
    return [str(part.get_boundary()) for part in message.walk() if part.is_multipart()]


@dataclass(frozen=True)
class PreparedMessage:
    """A message already written out as the bytes SMTP sends, with its envelope (see MessageTemplate)."""

    sender: str
    recipients: tuple[str, ...]
    subject: str
    data: bytes


# What a mail connection sends: a message the email package writes out, or one written out already.
OutgoingMessage = EmailMessage | PreparedMessage


def message_subject(message: OutgoingMessage) -> str:
    """The subject line as the recipient sees it."""
    return message.subject if isinstance(message, PreparedMessage) else str(message["Subject"])


def flatten(message: EmailMessage) -> bytes:
    """The bytes smtplib's ``send_message`` writes for a message (ASCII envelope)."""
    with io.BytesIO() as buffer:
        BytesGenerator(buffer).flatten(message, linesep="\r\n")
        return buffer.getvalue()


def envelope(message: EmailMessage) -> tuple[str, tuple[str, ...]]:
    """The envelope sender and recipients smtplib's ``send_message`` takes from a message's headers."""
    sender = getaddresses([str(message["Sender"] or message["From"])])[0][1]
    fields = [str(message[name]) for name in ("To", "Bcc", "Cc") if message[name] is not None]
    return sender, tuple(address for _, address in getaddresses(fields))


def slot(marker: str, name: str) -> str:
    """The placeholder of a slot (``name``: lower-case letters, digits, underscores) in a template's text."""
    return f"{marker}-{name}-"


def address_slot(marker: str, name: str) -> str:
    """The placeholder of a slot where an address header wants an address (a valid addr-spec)."""
    return f"{slot(marker, name)}@slot.invalid"


# An address written as it is in a To header and in the envelope (anything else goes the general way).
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")


class MessageTemplate:
    """A message built by ``build_message`` once, with slots (placeholders from ``slot``) for what differs
    between its recipients, written out to bytes once and then filled in for each recipient: the
    thousands of messages of a weekly digest differ only in the recipient, the Message-ID and the links
    (and their random MIME boundaries, a fresh one for each message as ``build_message`` chooses them).

    Filled in, a message has exactly the bytes the general way would send: ``matches`` checks that
    against a message built the general way (the caller does so once before trusting a template), and
    ``fill`` declines (None) whenever the general way could write something else: a value that is not
    plain ASCII on one line, a recipient that is not a plain address, a line longer than the policy
    allows (the email package would then fold or re-encode), a part that is not 7bit or 8bit."""

    def __init__(self, message: EmailMessage, marker: str) -> None:
        data = flatten(message)
        self.boundary_names = []
        for index, boundary in enumerate(_boundaries(message)):
            name = f"boundary{index}"
            data = data.replace(boundary.encode("ascii"), slot(marker, name).encode("ascii"))
            self.boundary_names.append(name)
        pieces = re.split(re.escape(marker.encode("ascii")) + rb"-([a-z0-9_]+)-(?:@slot\.invalid)?", data)
        self.literals, self.names = pieces[0::2], [name.decode("ascii") for name in pieces[1::2]]
        self.sender, _ = envelope(message)
        self.subject = message_subject(message)
        self.usable = self.sender.isascii() and all(
            str(part.get("Content-Transfer-Encoding", "7bit")).lower() in ("7bit", "8bit")
            for part in message.walk() if not part.is_multipart())
        self.checked = False

    def fill(self, values: dict[str, str], recipient: str) -> PreparedMessage | None:
        """The message for one recipient (``values``: each slot's text), or None when it must be built
        the general way."""
        return self._fill(values, recipient, [_new_boundary() for _ in self.boundary_names])

    def matches(self, values: dict[str, str], recipient: str, message: EmailMessage) -> bool:
        """Whether these values fill in to exactly the bytes and envelope smtplib would send for
        ``message``, the same message built by ``build_message``."""
        prepared = self._fill(values, recipient, _boundaries(message))
        return (prepared is not None and prepared.data == flatten(message)
                and (prepared.sender, prepared.recipients) == envelope(message)
                and prepared.subject == message_subject(message))

    def _fill(self, values: dict[str, str], recipient: str, boundaries: list[str]) -> PreparedMessage | None:
        if not self.usable or not _PLAIN_ADDRESS.fullmatch(recipient) or len(boundaries) != len(self.boundary_names):
            return None
        encoded: dict[str, bytes] = {}
        for name, value in (*values.items(), *zip(self.boundary_names, boundaries)):
            if not value.isascii() or "\r" in value or "\n" in value:
                return None
            encoded[name] = value.encode("ascii")
        try:
            parts = [piece for literal, name in zip(self.literals, self.names) for piece in (literal, encoded[name])]
        except KeyError:  # a slot without a value
            return None
        parts.append(self.literals[-1])
        data = b"".join(parts)
        limit = MAIL_POLICY.max_line_length
        if limit is not None and max(map(len, data.split(b"\r\n"))) > limit:
            return None
        return PreparedMessage(self.sender, (recipient,), self.subject, data)


def occurrence_ics(*, uid: str, title: str, start_at: datetime, end_at: datetime, stamp: datetime,
                   sequence: int, organizer_name: str, organizer_email: str, location: str = "",
                   description: str = "", url: str = "", cancelled: bool = False) -> str:
    """A one-event VCALENDAR in UTC times (no VTIMEZONE needed); DTSTAMP comes from the data. Its
    ORGANIZER (RFC 5546 §3.2.1: every VEVENT of a PUBLISH object has one) is the organisation, as in
    the feeds."""
    calendar = Calendar()
    calendar.add("prodid", "-//INK Events//Reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start_at)
    event.add("dtend", end_at)
    event.add("summary", title)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["CN"] = one_line(organizer_name)
    event.add("organizer", organizer)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    calendar.add_component(event)
    return calendar.to_ical().decode()


# --- backends -----------------------------------------------------------------------------------

class MailConnection(Protocol):
    def send(self, message: OutgoingMessage) -> None: ...


class Mailer(Protocol):
    def connect(self) -> contextlib.AbstractContextManager[MailConnection]: ...


def _quoted(address: str) -> str:
    """An envelope address as smtplib's quoteaddr writes it, without running the email package's address
    parser on a plain address (two of them were a good part of what smtplib spends on a message)."""
    return f"<{address}>" if _PLAIN_ADDRESS.fullmatch(address) else smtplib.quoteaddr(address)


class _SMTP(smtplib.SMTP):
    """smtplib's client; its MAIL and RCPT commands are smtplib's own but for the quoting (``_quoted``)."""

    def mail(self, sender: str, options: Sequence[str] = ()) -> tuple[int, bytes]:
        optionlist = ""
        if options and self.does_esmtp:
            if any(option.lower() == "smtputf8" for option in options):
                if not self.has_extn("smtputf8"):
                    raise smtplib.SMTPNotSupportedError("SMTPUTF8 not supported by server")
                self.command_encoding = "utf-8"
            optionlist = " " + " ".join(options)
        self.putcmd("mail", f"FROM:{_quoted(sender)}{optionlist}")
        return self.getreply()

    def rcpt(self, recip: str, options: Sequence[str] = ()) -> tuple[int, bytes]:
        optionlist = " " + " ".join(options) if options and self.does_esmtp else ""
        self.putcmd("rcpt", f"TO:{_quoted(recip)}{optionlist}")
        return self.getreply()


class _SMTP_SSL(smtplib.SMTP_SSL, _SMTP):
    """The same over TLS from the start."""


class _SMTPConnection:
    def __init__(self, smtp: smtplib.SMTP) -> None:
        self.smtp = smtp

    def send(self, message: OutgoingMessage) -> None:
        try:
            if isinstance(message, PreparedMessage):
                self.smtp.sendmail(message.sender, list(message.recipients), message.data)
            else:
                self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            _raise_for_code(min(codes) if codes else 550, str(error.recipients))
        except smtplib.SMTPResponseException as error:
            _raise_for_code(error.smtp_code, f"{error.smtp_code} {error.smtp_error!r}")
        except smtplib.SMTPServerDisconnected as error:
            raise TemporaryMailError(f"disconnected: {error}", connection_lost=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryMailError(f"{type(error).__name__}: {error}", connection_lost=True) from error


def _raise_for_code(code: int, detail: str) -> None:
    if code == 421:  # "service not available, closing transmission channel": the connection is gone
        raise TemporaryMailError(detail[:400], connection_lost=True)
    if 400 <= code < 500:
        raise TemporaryMailError(detail[:400])
    raise PermanentMailError(detail[:400])


@dataclass
class SMTPMailer:
    host: str
    port: int
    security: str = "none"  # none | starttls | tls
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @contextlib.contextmanager
    def connect(self) -> Iterator[MailConnection]:
        """One connection for a whole batch (login once, many messages, QUIT at the end)."""
        try:
            if self.security == "tls":
                smtp: smtplib.SMTP = _SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = _SMTP(self.host, self.port, timeout=self.timeout)
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryMailError(f"cannot connect to {self.host}:{self.port}: {error}",
                                     connection_lost=True) from error
        try:
            yield _SMTPConnection(smtp)
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()


class _FileConnection:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, message: OutgoingMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{os.getpid()}.eml"
        # Write then rename, so the outbox page never shows half a message.
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            file.write(message.data if isinstance(message, PreparedMessage) else message.as_bytes(policy=MAIL_POLICY))
        os.replace(temporary, self.directory / name)


@dataclass
class FileMailer:
    directory: Path

    @contextlib.contextmanager
    def connect(self) -> Iterator[MailConnection]:
        yield _FileConnection(self.directory)


class _DisabledConnection:
    def send(self, message: OutgoingMessage) -> None:
        raise MailDisabled("Sending mail is disabled here (MAIL_BACKEND = 'disabled').")


class DisabledMailer:
    @contextlib.contextmanager
    def connect(self) -> Iterator[MailConnection]:
        yield _DisabledConnection()


def mail_directory(app: Flask | None = None) -> Path:
    app = app or current_app
    return Path(app.config["MAIL_DIRECTORY"])  # create_app puts it in the instance folder unless set


def mailer_from_config(app: Flask | None = None) -> Mailer:
    app = app or current_app
    config = app.config
    backend = config["MAIL_BACKEND"]
    if backend == "smtp":
        security = str(config["MAIL_SECURITY"]).lower()
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"MAIL_SECURITY must be none, starttls or tls, not {security!r}")
        return SMTPMailer(
            host=config["MAIL_HOST"], port=int(config["MAIL_PORT"]), security=security,
            username=config.get("MAIL_USERNAME") or None, password=config.get("MAIL_PASSWORD") or None,
        )
    if backend == "file":
        return FileMailer(mail_directory(app))
    if backend == "disabled":
        return DisabledMailer()
    raise ValueError(f"Unknown MAIL_BACKEND {backend!r} (smtp, file or disabled)")


def sender_address(app: Flask | None = None) -> str:
    app = app or current_app
    return check_header(str(app.config["MAIL_FROM"]))


def sender_domain(app: Flask | None = None) -> str:
    return _domain_of(sender_address(app))


@functools.lru_cache(maxsize=8)
def _domain_of(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "ink-events.invalid"


def recipient_header(address: str) -> str:
    return check_header(formataddr(("", address)))
