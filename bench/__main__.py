"""Benchmarks (see README, "Benchmarks"). They print figures; tests never time things.

    python -m bench [options]                  # the foundation benchmark (issue #2): see --help
    python -m bench --all [--database-url URL] # all six, one after the other, each in its own process
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

from bench.common import DATABASE_URL_ENV

SUITE = ("bench.foundation", "bench.feeds", "bench.attendance", "bench.reminders", "bench.pages", "bench.sources")


def run_all(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench --all",
                                     description="Run the six benchmarks at their defaults, one after the other.")
    parser.add_argument("--all", action="store_true", required=True)
    parser.add_argument("--database-url", default=os.environ.get(DATABASE_URL_ENV),
                        help="Run every benchmark on this scratch database (each empties it first); "
                             f"default: temporary SQLite files (env {DATABASE_URL_ENV}).")
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k != DATABASE_URL_ENV}  # only what is passed below counts
    failed = []
    for module in SUITE:
        options = ["--database-url", args.database_url] if args.database_url else []
        print(f"\n### python -m {module} {' '.join(options)}".rstrip(), flush=True)
        if subprocess.run([sys.executable, "-m", module, *options], env=env).returncode:
            failed.append(module)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if "--all" in argv:
        return run_all(argv)
    from bench.foundation import main as foundation

    return foundation(argv)


raise SystemExit(main(sys.argv[1:]))
