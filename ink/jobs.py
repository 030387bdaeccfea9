"""The registry of scheduled work, like ink/panels.py for pages: each domain registers its jobs and sources.

A domain's ``init_app`` registers the jobs it owns (the events domain extends the occurrence horizon;
reminders plan, send and purge) and the sources other domains may ask for without importing it
(attendance offers the occurrences still missing a count). The scheduler process runs what is
registered and knows no domain:

    register_job(app, "extend-horizon", extend_horizon_job, "cron", hour=3, minute=17, misfire_grace_time=6 * 3600)
    register_source(app, "missing-counts", occurrences_missing_count)

A job's function takes "now" (a UTC instant), runs inside an app context, commits its own work and
returns a one-line summary.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask

JobFunction = Callable[[datetime], Any]


@dataclass(frozen=True)
class Job:
    """One scheduled job: a fixed id, an APScheduler trigger and how late it may still run."""

    name: str
    func: JobFunction
    trigger: str
    trigger_args: dict[str, Any]
    misfire_grace_time: int
    description: str = ""
    # The minute tick: its summary is the scheduler's heartbeat, and `scheduler --once` runs it.
    is_tick: bool = False
    # A summary starting with this is not worth printing (nothing happened).
    quiet_prefix: str | None = None


def register_job(app: Flask, name: str, func: JobFunction, trigger: str, *, misfire_grace_time: int,
                 description: str = "", is_tick: bool = False, quiet_prefix: str | None = None,
                 **trigger_args: Any) -> None:
    """Register a job under a fixed name (registering the same name again replaces it)."""
    registry: dict[str, Job] = app.extensions.setdefault("ink.jobs", {})
    registry[name] = Job(name, func, trigger, trigger_args, misfire_grace_time, description, is_tick, quiet_prefix)


def jobs_of(app: Flask) -> list[Job]:
    """The registered jobs, in the order they were registered."""
    return list(app.extensions.get("ink.jobs", {}).values())


def register_source(app: Flask, name: str, func: Callable[..., Any]) -> None:
    """Offer a function under a name, for domains that may not import the one providing it."""
    app.extensions.setdefault("ink.sources", {})[name] = func


def source(app: Flask, name: str) -> Callable[..., Any] | None:
    """The function registered as ``name``, or None when no domain offers it."""
    return app.extensions.get("ink.sources", {}).get(name)
