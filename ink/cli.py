"""Flask commands: `flask --app ink <command>`."""
from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
import flask_migrate.cli as migrate_cli
from flask import Flask, current_app

from ink.auth.service import create_user
from ink.backup import BackupError, backup_database, restore_database
from ink.core.errors import DomainError
from ink.datagen import generate_data_command
from ink.demo import seed_demo_command
from ink.events.service import extend_horizon
from ink.extensions import db, now
from ink.failures import one_line_failures
from ink.organisations.service import add_editor, get_organisation_by_slug
from ink.pictures.service import purge_orphan_files


def register_commands(app: Flask) -> None:
    allow_relative_downgrade()
    app.cli.add_command(create_user_command)
    app.cli.add_command(extend_horizon_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(generate_data_command)
    app.cli.add_command(purge_pictures_command)
    # Last, so every domain's commands (and Flask-Migrate's `db`) fail in one line, not a traceback.
    for command in [*app.cli.commands.values(), migrate_cli.db]:
        one_line_failures(command)


@click.command("create-user")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
@click.option("--coordinator", is_flag=True, help="Give the account coordinator rights.")
@click.option("--org", "org_slugs", multiple=True, metavar="SLUG", help="Make the user an editor of this organisation (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of asking.")
def create_user_command(email: str, name: str, coordinator: bool, org_slugs: tuple[str, ...], password_stdin: bool) -> None:
    """Create an account; asks for the password twice unless --password-stdin is given."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    organisations = []
    for slug in org_slugs:
        organisation = get_organisation_by_slug(slug)
        if organisation is None:
            raise click.ClickException(f"No organisation with the slug {slug!r}.")
        organisations.append(organisation)
    try:
        user = create_user(email, password, name=name, is_coordinator=coordinator, now=now())
    except DomainError as error:
        raise click.ClickException(error.message) from error
    for organisation in organisations:
        add_editor(organisation, user)
    db.session.commit()
    role = "coordinator" if coordinator else "user"
    click.echo(f"Created {role} {user.email}" + (f", editor of {', '.join(org_slugs)}" if org_slugs else "") + ".")


@click.command("extend-horizon")
def extend_horizon_command() -> None:
    """Create occurrences up to the horizon for every recurring series (the scheduler runs this daily)."""
    added = extend_horizon(now=now(), horizon=timedelta(days=current_app.config["OCCURRENCE_HORIZON_DAYS"]))
    db.session.commit()
    click.echo(f"Added {added} occurrences.")


def allow_relative_downgrade() -> None:
    """`flask db downgrade -1` as people type it: Click would otherwise read "-1" as an unknown option."""
    migrate_cli.downgrade.context_settings["ignore_unknown_options"] = True


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent copy of the database to PATH while the app serves (SQLite backup API / pg_dump)."""
    try:
        size = backup_database(db.engine, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up the database to {path} ({size} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Load a backup made by `backup` into an empty database (refuses a database that has tables)."""
    try:
        restore_database(db.engine, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {path}. Run `flask --app ink db upgrade` if the backup is from an older version.")


@click.command("purge-pictures")
@click.option("--min-age-hours", default=24, show_default=True, type=click.IntRange(min=1),
              help="Only files older than this (an upload in progress has files before its row).")
def purge_pictures_command(min_age_hours: int) -> None:
    """Delete picture files in PICTURES_DIR that no picture row names (a failed upload's), and leftover
    temporary files. Files of replaced pictures are kept."""
    deleted = purge_orphan_files(now=now(), min_age=timedelta(hours=min_age_hours))
    for name in deleted:
        click.echo(f"deleted {name}")
    click.echo(f"{len(deleted)} orphan picture file(s) deleted.")
