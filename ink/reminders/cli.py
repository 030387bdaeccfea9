"""Commands: `flask --app ink scheduler` and `flask --app ink send-due`."""
from __future__ import annotations

import click
from flask import current_app

from ink.extensions import db, now
from ink.reminders.jobs import send_due
from ink.reminders.scheduler import SchedulerLocked, run


@click.command("scheduler")
@click.option("--wait/--no-wait", default=False, help="If another scheduler runs, wait for it to stop instead of exiting.")
@click.option("--once", is_flag=True, help="Run one tick (plan, send, heartbeat) and exit.")
def scheduler_command(wait: bool, once: bool) -> None:
    """Run the scheduler process: due messages every minute, the occurrence horizon daily, weekly digests."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        run(app, wait=wait, once=once, echo=click.echo)
    except SchedulerLocked as error:
        raise click.ClickException(f"{error} Only one scheduler may run; this one exits (use --wait to wait).") from error


@click.command("send-due")
def send_due_command() -> None:
    """Plan and send the messages due now, once (what the scheduler does every minute)."""
    summary = send_due(now())
    db.session.commit()
    click.echo(f"{summary[0].upper()}{summary[1:]}.")


COMMANDS = (scheduler_command, send_due_command)
