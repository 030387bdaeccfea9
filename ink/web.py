"""Request-wide behaviour: one transaction per request, error pages, security headers."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, abort, current_app, has_request_context, jsonify, render_template, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
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



def content_security_policy(frame_ancestors: str = "'none'") -> str:
    """Every page's policy; only a page meant for other sites' iframes (ink.feeds.embed) names other ancestors."""
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {frame_ancestors}"
    )


CONTENT_SECURITY_POLICY = content_security_policy()
REFUSES_FRAMING = "frame-ancestors 'none'"
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


_View = TypeVar("_View", bound=Callable[..., object])
_COOKIELESS = "ink_cookieless"


def cookieless(view: _View) -> _View:
    """Mark a view whose responses set no cookie at all, whatever the visitor's cookies (a page other
    sites embed, a script they load): neither the session, the remember-me nor the language cookie."""
    setattr(view, _COOKIELESS, True)
    return view


def is_cookieless_request() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, _COOKIELESS, False))


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, saved on no response of a ``cookieless`` view. This is the
    last step of a response (after every after_request function), so a Set-Cookie any of them
    added (Flask-Login renewing or clearing its remember-me cookie) is taken off here too."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if has_request_context() and is_cookieless_request():
            response.headers.remove("Set-Cookie")
            return
        super().save_session(app, session, response)


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
    app.session_interface = SessionInterface()
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
        if REFUSES_FRAMING in response.headers["Content-Security-Policy"]:
            # The old header for old browsers, wherever the policy refuses every frame.
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
        body, status = error_response(status, _default_message(status))
        # The exception's own headers carry what the status requires: Allow on a 405 (RFC 9110 §15.5.6).
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        return body, status, headers

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        db.session.rollback()
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        log_failure(app.logger, error, f"{request.method} {request.path}")
        return error_response(500, _default_message(500))
