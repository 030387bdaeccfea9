"""The audit log's panel on the coordinators' dashboard: a way in to /manage/audit."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ink.organisations.access import is_coordinator


def dashboard_panel(user: Any, obj: Any, now: datetime) -> dict[str, Any] | None:
    """For coordinators only: the link to the audit log."""
    return {} if is_coordinator(user) else None
