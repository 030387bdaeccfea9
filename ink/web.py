"""Request-wide behaviour: one transaction per request, error pages, security headers."""
from __future__ import annotations

from flask import Flask, Response, abort, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from ink import assets, readiness
from ink.core.errors import DomainError
from ink.extensions import db
from ink.failures import log_failure
from ink.i18n import error_text
from ink.saving import uncommitted_changes

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Browser features no page uses are switched off (the subscribe page's clipboard copy stays allowed).
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "magnetometer=(), gyroscope=(), accelerometer=(), browsing-topics=()"
)


def configure_cookies(app: Flask) -> None:
    """Session and remember cookies are Secure when BASE_URL is https (unless configured explicitly)."""
    is_https = str(app.config.get("BASE_URL", "")).startswith("https://")
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:
            app.config[key] = is_https


def strict_transport_security() -> str | None:
    seconds = int(current_app.config["HSTS_SECONDS"] or 0)
    if seconds <= 0:
        return None
    return f"max-age={seconds}" + ("; includeSubDomains" if current_app.config.get("HSTS_INCLUDE_SUBDOMAINS") else "")


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def error_response(status: int, message: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify(error=message, status=status), status
    return render_template("errors/error.html", status=status, message=message), status


def _default_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood. Please check what you sent."),
        403: _("You do not have permission to do that."),
        404: _("We could not find that page."),
        405: _("That action is not allowed here."),
        413: _("What you sent is too large."),
        429: _("Too many requests. Please wait a moment and try again."),
    }
    return messages.get(status, _("Something went wrong on our side. Please try again later."))


MAX_ID = 2**31 - 1  # the largest 32-bit primary key (PostgreSQL refuses to compare an integer key with more)


def is_possible_id(value: int) -> bool:
    """Whether a number lies in the range of ids, as ``<int:…>`` in a route guarantees (for query strings and the CLI)."""
    return 0 <= value <= MAX_ID


class IdConverter(IntegerConverter):
    """``<int:…>`` limited to the range of a 32-bit primary key: a larger number is a 404, not a database error."""

    def __init__(self, url_map: Map, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)  # type: ignore[arg-type]


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    configure_cookies(app)
    assets.init_app(app)
    readiness.init_app(app)

    @app.before_request
    def refuse_nul_characters() -> None:
        # No text we store or look up can contain NUL (PostgreSQL refuses it outright): a URL
        # carrying one is malformed. Form fields get their own field errors (ink.forms.BaseForm).
        if "\x00" in request.path or any("\x00" in value for _, values in request.args.lists() for value in values):
            abort(400)

    @app.after_request
    def finish_transaction(response: Response) -> Response:
        # Views commit explicitly (ink.saving) before they tell the user anything; whatever a
        # request left uncommitted is dropped here, whatever the status of its response. A
        # successful response that drops changes is a forgotten commit: loud in tests, logged live.
        dropped = uncommitted_changes() if response.status_code < 400 else []
        if dropped:
            app.logger.error("%s %s left changes uncommitted, dropped: %s", request.method, request.path, dropped)
            if app.testing:
                raise RuntimeError(f"{request.method} {request.path} changed data without committing "
                                   f"(ink.saving): {dropped}")
        db.session.rollback()
        return response

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        hsts = strict_transport_security()
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        if request.path == "/manage" or request.path.startswith("/manage/"):
            # Signed-in pages hold other people's data: never kept in a browser's or proxy's cache.
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> ResponseReturnValue:
        db.session.rollback()
        body, status = error_response(error.status_code, error_text(error))
        retry_after = getattr(error, "retry_after", None)  # ink.ratelimit.TooManyAttempts
        return (body, status, {"Retry-After": str(retry_after)}) if retry_after is not None else (body, status)

    @app.errorhandler(StaleDataError)
    def concurrent_edit(error: StaleDataError) -> ResponseReturnValue:
        # Two saves of one row at the same moment: the later one finds its version gone.
        db.session.rollback()
        return error_response(409, _("Someone else saved this at the same moment. Reload the page to see "
                                     "their changes, then make yours again."))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return error_response(400, _("The form expired or was sent from elsewhere. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        return error_response(status, _default_message(status))

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        db.session.rollback()
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        log_failure(app.logger, error, f"{request.method} {request.path}")
        return error_response(500, _default_message(500))
