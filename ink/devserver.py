"""`make run`: the web app on HOST:PORT (127.0.0.1:5000 by default) plus, when available, the scheduler process beside it.

Unless BASE_URL is set (INK_BASE_URL or instance/config.py), every absolute link (feeds, QR codes, door
links, emails) is built for the host and port this server listens on, in the scheduler's emails too.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Mapping

import click
import sqlalchemy as sa
from flask import Config, Flask

from ink import create_app
from ink.extensions import db
from ink.failures import describe_failure


def base_url_is_configured(app: Flask, environ: Mapping[str, str]) -> bool:
    """Whether the operator set BASE_URL (environment or instance/config.py) rather than left the default."""
    if environ.get("INK_BASE_URL"):
        return True
    instance_config = Config(app.instance_path)
    instance_config.from_pyfile("config.py", silent=True)
    return bool(instance_config.get("BASE_URL"))


def build_app(host: str, port: int, environ: Mapping[str, str] = os.environ) -> Flask:
    """The app for the development server: BASE_URL follows host and port unless configured."""
    app = create_app()
    if not base_url_is_configured(app, environ):
        app.config["BASE_URL"] = f"http://{_url_host(host)}:{port}"
    app.config.update(development_sync_settings(environ))
    return app


def development_sync_settings(environ: Mapping[str, str]) -> dict[str, bool]:
    """On a developer's own machine, calendar sources may be read over http and from this machine (the
    demo's source is the demo's own /demo/calendar.ics); unless the environment says otherwise. Production
    (gunicorn, wsgi.py) never comes through here and keeps both refusals."""
    return {name: True for name in ("SYNC_ALLOW_PRIVATE", "SYNC_ALLOW_HTTP") if f"INK_{name}" not in environ}


def check_database(app: Flask) -> None:
    """Connect once before serving: an unreachable database stops the server with one line, not a page of 500s."""
    with app.app_context(), db.engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))


def _url_host(host: str) -> str:
    # Listening on every interface: links still need a name a browser can open.
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    try:
        app = build_app(args.host, args.port)
        check_database(app)
    except click.ClickException as error:
        sys.exit(f"Error: {error.message}")
    except (sa.exc.SQLAlchemyError, OSError) as error:
        message = describe_failure(error)
        if message is None:
            raise
        sys.exit(f"Error: {message}")
    # SIGTERM (say, from a process manager) ends us like Ctrl+C, so the scheduler is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    scheduler = None
    if "scheduler" in app.cli.commands:
        # The scheduler runs in its own process, never inside the web server; its emails link to this server.
        environment = {**os.environ, "INK_BASE_URL": app.config["BASE_URL"],
                       **{f"INK_{name}": "true" for name in development_sync_settings(os.environ)}}
        scheduler = subprocess.Popen([sys.executable, "-m", "flask", "--app", "ink", "scheduler"], env=environment)
    try:
        print(f"INK Events is running at http://{args.host}:{args.port}/  (links use {app.config['BASE_URL']}; Ctrl+C stops it)", flush=True)
        app.run(host=args.host, port=args.port, debug=False, use_reloader=False, threaded=True)
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(timeout=10)


if __name__ == "__main__":
    main()
