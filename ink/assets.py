"""Static files: content-hashed URLs cached for a year, and /favicon.ico.

``url_for('static', filename='ink.css')`` gives ``/static/ink.css?v=<hash of the file>``: a changed file
gets a new URL, so a versioned response can be cached as immutable. A request without the current
version (an old page, a hand-typed URL) gets a short cache lifetime instead.
"""
from __future__ import annotations

import hashlib
import os
from typing import Any

from flask import Flask, Response, current_app, request

VERSION_ARG = "v"
VERSION_LENGTH = 12


def static_version(app: Flask, filename: str) -> str | None:
    """The short content hash of a static file, or None when there is no such file."""
    folder = app.static_folder
    if folder is None:
        return None
    path = os.path.join(folder, filename)
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    cache: dict[str, tuple[tuple[int, int], str]] = app.extensions.setdefault("ink.static_versions", {})
    key = (stat.st_mtime_ns, stat.st_size)
    cached = cache.get(path)
    if cached is None or cached[0] != key:
        with open(path, "rb") as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()[:VERSION_LENGTH]
        cached = cache[path] = (key, digest)
    return cached[1]


def cache_control_for(app: Flask, filename: str, version: str | None) -> str:
    """Immutable for a year when the URL carries the file's current hash; a short lifetime otherwise."""
    if version and version == static_version(app, filename):
        return f"public, max-age={app.config['STATIC_VERSIONED_MAX_AGE']}, immutable"
    return f"public, max-age={app.config['STATIC_UNVERSIONED_MAX_AGE']}"


def init_app(app: Flask) -> None:
    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and VERSION_ARG not in values:
            version = static_version(app, values["filename"])
            if version:
                values[VERSION_ARG] = version

    @app.after_request
    def cache_static_files(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code in (200, 304) and request.view_args:
            response.headers["Cache-Control"] = cache_control_for(
                app, str(request.view_args.get("filename", "")), request.args.get(VERSION_ARG)
            )
        return response

    app.add_url_rule("/favicon.ico", "favicon", favicon)


def favicon() -> Response:
    """The icon old browsers ask for at the site root (pages link favicon.svg and this one)."""
    icon = current_app.extensions.get("ink.favicon")
    if icon is None:  # 5 kB, read once
        with open(os.path.join(str(current_app.static_folder), "favicon.ico"), "rb") as handle:
            icon = current_app.extensions["ink.favicon"] = handle.read()
    response = Response(icon, mimetype="image/vnd.microsoft.icon")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
