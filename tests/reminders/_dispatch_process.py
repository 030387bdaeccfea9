"""Run as a separate process by test_killed_process.py: one dispatch of the outbox, at a given instant."""
from __future__ import annotations

import os
import sys
from datetime import datetime

from ink import create_app
from ink.core.clock import FrozenClock
from ink.reminders.dispatch import dispatch_due
from tests.conftest import base_config


def main() -> None:
    database_url, port, moment = sys.argv[1], int(sys.argv[2]), datetime.fromisoformat(sys.argv[3])
    app = create_app(base_config(database_url, CLOCK=FrozenClock(moment), MAIL_BACKEND="smtp",
                                 MAIL_HOST="127.0.0.1", MAIL_PORT=port))
    with app.app_context():
        print("dispatching", os.getpid(), flush=True)
        dispatch_due(moment)


if __name__ == "__main__":
    main()
