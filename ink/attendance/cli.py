"""`flask --app ink door-link SERIES_ID YYYY-MM-DD`: print a counting link for that day's occurrence."""
from __future__ import annotations

from datetime import date

import click
import sqlalchemy as sa
from flask import current_app

from ink.attendance.service import create_door_link, door_link_url, get_by_id
from ink.core.errors import DomainError
from ink.core.time import local_day_bounds
from ink.events.models import EventSeries, Occurrence
from ink.extensions import db, now
from ink.i18n import error_text
from ink.web import is_possible_id


@click.command("door-link")
@click.argument("series_id", type=int)
@click.argument("day", metavar="YYYY-MM-DD")
def door_link_command(series_id: int, day: str) -> None:
    """Create a door-counter link for the occurrence of SERIES_ID on local date DAY and print it."""
    try:
        local_day = date.fromisoformat(day)
    except ValueError:
        raise click.BadParameter("use the form YYYY-MM-DD", param_hint="DAY") from None
    series = get_by_id(EventSeries, series_id) if is_possible_id(series_id) else None
    if series is None:
        raise click.ClickException(f"No series with id {series_id}.")
    start, end = local_day_bounds(local_day, series.timezone or current_app.config["TIMEZONE"])
    occurrence = db.session.scalar(
        sa.select(Occurrence).where(Occurrence.series_id == series.id, Occurrence.start_at >= start,
                                    Occurrence.start_at < end).order_by(Occurrence.start_at).limit(1))
    if occurrence is None:
        raise click.ClickException(f"{series.title!r} has no occurrence on {local_day.isoformat()}.")
    # A request context so translated messages work outside a web request (the locale selector reads it).
    with current_app.test_request_context():
        try:
            link = create_door_link(occurrence, user=None, now=now())
        except DomainError as error:
            raise click.ClickException(error_text(error)) from error
        url = door_link_url(link)
    db.session.commit()
    click.echo(url)
