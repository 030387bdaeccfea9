"""Calendar feeds (iCalendar), the occurrences API, the subscribe page, the printable programme and the widget (/embed)."""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app

from ink.core import signals
from ink.feeds import embed  # noqa: F401  (its routes join the feeds blueprint)
from ink.extensions import now as app_now
from ink.feeds.panels import register_panels
from ink.feeds.printing import bp as print_bp
from ink.feeds.service import FeedCache, bump_feed_state
from ink.feeds.views import api_bp, bp


def _feeds_changed(sender: Any, **kwargs: Any) -> None:
    bump_feed_state(now=kwargs.get("now") or app_now())
    cache = current_app.extensions.get("ink.feeds.cache")
    if cache is not None:
        cache.forget_version()


_SIGNALS = (
    signals.series_changed,
    signals.occurrence_cancelled,
    signals.occurrence_restored,
    signals.occurrence_moved,
    signals.occurrences_removing,
    signals.organisation_status_changed,
    signals.texts_changed,  # an event's version in another language: the feeds in that language change
)


def init_app(app: Flask) -> None:
    app.extensions["ink.feeds.cache"] = FeedCache(
        size=int(app.config["FEED_CACHE_SIZE"]), ttl_seconds=float(app.config["FEED_CACHE_SECONDS"]),
        version_seconds=float(app.config["FEED_VERSION_CHECK_SECONDS"]),
    )
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(print_bp)
    for signal in _SIGNALS:
        signal.connect(_feeds_changed)  # module-level function: a strong, idempotent connection
    register_panels(app)
