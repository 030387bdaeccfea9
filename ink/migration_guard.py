"""Downgrade guard: a migration that drops tables holding rows refuses unless the operator confirms.

A migration's ``downgrade()`` calls ``refuse_data_loss("0004_reminders", ["subscriber", ...])`` before it
drops anything. It lives in the package (not in migrations/) so version scripts can import it whenever
Alembic loads them, env.py or not. Confirm with either

    flask --app ink db downgrade -1 -x confirm-data-loss=yes
    INK_CONFIRM_DATA_LOSS=1 flask --app ink db downgrade -1
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import click
import sqlalchemy as sa
from alembic import context, op

CONFIRM_ENVIRONMENT_VARIABLE = "INK_CONFIRM_DATA_LOSS"
CONFIRM_X_ARGUMENT = "confirm-data-loss"
YES = {"1", "yes", "true", "y"}


class DataLossRefused(click.ClickException):
    """A downgrade would drop rows and nobody confirmed it (the CLI prints the message, exit status 1)."""


def data_loss_confirmed() -> bool:
    """Whether the operator confirmed, by -x confirm-data-loss=yes or INK_CONFIRM_DATA_LOSS=1."""
    if os.environ.get(CONFIRM_ENVIRONMENT_VARIABLE, "").strip().lower() in YES:
        return True
    x_arguments = context.get_x_argument(as_dictionary=True)
    return str(x_arguments.get(CONFIRM_X_ARGUMENT, "")).strip().lower() in YES


def row_counts(tables: Sequence[str]) -> dict[str, int]:
    """Rows in each of these tables that exists, on the migration's connection."""
    connection = op.get_bind()
    existing = set(sa.inspect(connection).get_table_names())
    return {
        table: int(connection.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one())
        for table in tables if table in existing
    }


def refuse_data_loss(revision: str, tables: Sequence[str]) -> None:
    """Raise DataLossRefused if any of these tables holds rows, unless the operator confirmed."""
    if context.is_offline_mode() or data_loss_confirmed():
        return
    holding = {table: count for table, count in row_counts(tables).items() if count}
    if holding:
        listed = ", ".join(f"{table} ({count} {'row' if count == 1 else 'rows'})" for table, count in holding.items())
        raise DataLossRefused(
            f"Downgrading {revision} would delete {listed}. To go ahead, back up first (flask --app ink backup PATH) "
            f"and repeat the command with -x {CONFIRM_X_ARGUMENT}=yes (or with {CONFIRM_ENVIRONMENT_VARIABLE}=1 set)."
        )
