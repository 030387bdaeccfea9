"""Benchmark: dispatch a weekly digest to 10,000 confirmed subscribers through a local SMTP sink.

    .venv/bin/python -m bench.reminders [--subscribers 10000] [--per-connection 50] [--database-url URL]
    (or .venv/bin/python bench/reminders.py ...)

Default database: a temporary SQLite file; a database given is EMPTIED first and the schema built by
the migrations. The SMTP sink is aiosmtpd on 127.0.0.1 (accepts and counts) and, like many relays,
allows --per-connection messages on one connection (default 50; 0: no limit): the next MAIL gets
"421" and the connection is closed, so the dispatcher must reconnect.
Prints planning time, dispatch time, messages per second and the dispatcher's CPU time.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

if __package__ in (None, ""):  # run as a script: bench/reminders.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from bench.common import add_database_url, bench_app, dispose, free_port, fresh_database, sqlite_url  # noqa: E402
from ink.core.clock import FrozenClock  # noqa: E402
from ink.events.recurrence import Recurrence  # noqa: E402
from ink.events.service import SeriesData, create_series  # noqa: E402
from ink.extensions import db  # noqa: E402
from ink.organisations.models import OrganisationStatus  # noqa: E402
from ink.organisations.service import OrganisationData, create_organisation  # noqa: E402
from ink.reminders.models import OutboxMessage, Subscriber, Subscription, TargetKind  # noqa: E402
from ink.reminders.dispatch import dispatch_due  # noqa: E402
from ink.reminders.planning import plan_weekly  # noqa: E402

# Monday 8 June 2026, 07:00 in Oslo: digest time.
DIGEST_AT = datetime(2026, 6, 8, 5, 0, tzinfo=timezone.utc)


class Sink:
    def __init__(self, count, size, hangups, per_connection: int) -> None:  # type: ignore[no-untyped-def]
        self.count, self.size, self.hangups, self.per_connection = count, size, hangups, per_connection

    async def handle_MAIL(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if self.per_connection and getattr(session, "accepted", 0) >= self.per_connection:
            self.hangups.value += 1
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.7.0 Too many messages on this connection, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.count.value += 1
        self.size.value += len(envelope.original_content or envelope.content)
        session.accepted = getattr(session, "accepted", 0) + 1  # per connection (one session each)
        return "250 2.0.0 OK"


def run_sink(port: int, count, size, hangups, per_connection: int, ready, stop) -> None:  # type: ignore[no-untyped-def]
    """The SMTP sink in its own process, so it does not compete with the dispatcher for the GIL."""
    controller = Controller(Sink(count, size, hangups, per_connection), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def seed(subscribers: int, now: datetime) -> None:
    organisation = create_organisation(OrganisationData(name="Bench organisation"), now=now,
                                       status=OrganisationStatus.ACTIVE)
    for hour, title in ((10, "Language café"), (17, "Drop-in football"), (18, "Homework help")):
        create_series(SeriesData(title=title, organisation=organisation, start_local=datetime(2026, 6, 8, hour, 0),
                                 recurrence=Recurrence(freq="daily"), duration_minutes=90),
                      now=now, horizon=timedelta(days=30))
    db.session.flush()
    db.session.execute(sa.insert(Subscriber), [
        {"email": f"resident{n:05d}@example.org", "locale": "nb" if n % 2 else "en", "created_at": now,
         "confirmed_at": now, "consent_version": "bench"} for n in range(subscribers)
    ])
    ids = db.session.scalars(sa.select(Subscriber.id)).all()
    db.session.execute(sa.insert(Subscription), [
        {"subscriber_id": sid, "target_kind": TargetKind.DIGEST, "target_id": 0, "offset_minutes": 1440,
         "created_at": now, "confirmed_at": now, "consent_version": "bench"} for sid in ids
    ])
    db.session.commit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reminders", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=10_000)
    add_database_url(parser, "SQLAlchemy URL (default: a temporary SQLite file). The database is emptied first.",
                     from_env=False)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--per-connection", type=int, default=50,
                        help="messages the sink accepts per connection before 421 and hanging up (0: no limit)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="ink-bench-") as tmp:
        url = args.database_url or sqlite_url(tmp)
        port = free_port()
        count, size, hangups = multiprocessing.Value("i", 0), multiprocessing.Value("q", 0), multiprocessing.Value("i", 0)
        ready, stop = multiprocessing.Event(), multiprocessing.Event()
        sink_process = multiprocessing.Process(
            target=run_sink, args=(port, count, size, hangups, args.per_connection, ready, stop), daemon=True)
        sink_process.start()
        ready.wait(30)
        app = bench_app(url, TESTING=True, BASE_URL="https://ink.example.org", CLOCK=FrozenClock(DIGEST_AT),
                        MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1", MAIL_PORT=port,
                        MAIL_FROM="INK Events <no-reply@ink.example.org>")
        try:
            fresh_database(app)
            with app.app_context():
                seed(args.subscribers, DIGEST_AT - timedelta(days=7))

                started = time.perf_counter()
                planned = plan_weekly(DIGEST_AT)
                db.session.commit()
                plan_seconds = time.perf_counter() - started

                started, cpu_started = time.perf_counter(), time.process_time()
                result = dispatch_due(DIGEST_AT, batch_size=args.batch_size, max_seconds=3600)
                dispatch_seconds = time.perf_counter() - started
                cpu_seconds = time.process_time() - cpu_started
                pending = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                            .where(OutboxMessage.status != "sent"))
                dialect = db.engine.dialect.name
            dispose(app)
        finally:
            stop.set()
            sink_process.join(30)

    limit = f"{args.per_connection} messages per connection" if args.per_connection else "no limit per connection"
    print(f"database: {dialect}; subscribers: {args.subscribers}; batch size: {args.batch_size}; relay: {limit}")
    print(f"planned {planned} digest rows in {plan_seconds:.2f} s")
    accepted = count.value
    print(f"dispatched: {result}; SMTP sink accepted {accepted} messages ({size.value / accepted / 1024:.1f} KiB each)"
          if accepted else f"dispatched: {result}")
    print(f"relay hung up {hangups.value} times; the dispatcher reconnected {result.reconnects} times")
    print(f"dispatch time {dispatch_seconds:.2f} s -> {result.sent / dispatch_seconds:.0f} messages/second "
          f"(dispatcher CPU {cpu_seconds:.2f} s -> {result.sent / cpu_seconds:.0f} messages per CPU second)")
    if pending:
        print(f"WARNING: {pending} rows not sent")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
