"""Flask commands: `flask --app ink <command>`."""
from __future__ import annotations

import sys

import click
import flask_migrate.cli as migrate_cli
from flask import Flask, current_app

from ink.core.errors import DomainError
from ink.extensions import db, now


def register_commands(app: Flask) -> None:
    allow_relative_downgrade()
    app.cli.add_command(create_user_command)
    app.cli.add_command(extend_horizon_command)
    from ink.datagen import generate_data_command
    from ink.demo import seed_demo_command

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(generate_data_command)


@click.command("create-user")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
@click.option("--coordinator", is_flag=True, help="Give the account coordinator rights.")
@click.option("--org", "org_slugs", multiple=True, metavar="SLUG", help="Make the user an editor of this organisation (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of asking.")
def create_user_command(email: str, name: str, coordinator: bool, org_slugs: tuple[str, ...], password_stdin: bool) -> None:
    """Create an account; asks for the password twice unless --password-stdin is given."""
    from ink.auth.service import create_user
    from ink.organisations.service import add_editor, get_organisation_by_slug

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
    from datetime import timedelta

    from ink.events.service import extend_horizon

    added = extend_horizon(now=now(), horizon=timedelta(days=current_app.config["OCCURRENCE_HORIZON_DAYS"]))
    db.session.commit()
    click.echo(f"Added {added} occurrences.")


def allow_relative_downgrade() -> None:
    """`flask db downgrade -1` as people type it: Click would otherwise read "-1" as an unknown option."""
    migrate_cli.downgrade.context_settings["ignore_unknown_options"] = True
