"""`make run`: the web app on 127.0.0.1:5000 plus, when available, the scheduler process beside it."""
from __future__ import annotations

import argparse
import signal
import subprocess
import sys

from ink import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    app = create_app()
    # SIGTERM (say, from a process manager) ends us like Ctrl+C, so the scheduler is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    scheduler = None
    if "scheduler" in app.cli.commands:
        # The scheduler runs in its own process, never inside the web server.
        scheduler = subprocess.Popen([sys.executable, "-m", "flask", "--app", "ink", "scheduler"])
    try:
        print(f"INK Events is running at http://{args.host}:{args.port}/  (Ctrl+C stops it)", flush=True)
        app.run(host=args.host, port=args.port, debug=False, use_reloader=False, threaded=True)
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(timeout=10)


if __name__ == "__main__":
    main()
