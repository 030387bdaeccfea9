"""Fetching a member's calendar safely (stdlib http.client only).

https only (``webcal://`` is read as https; plain http only when ``allow_http``, for tests), a
conditional GET (If-None-Match / If-Modified-Since), a timeout on every socket operation and a
deadline for the whole fetch, a size limit counted while reading (Content-Length is not trusted), a
redirect limit, and a refusal of private, loopback, link-local, multicast and reserved addresses: the
host name is resolved once and the connection goes to that very address (so a second DNS answer cannot
point elsewhere), and every redirect hop is checked again. ``allow_private`` lifts the refusal (tests
reach their loopback server with it).
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from ink.core.errors import N_

USER_AGENT = "INK-Events-calendar-sync/1.0 (+https://ink-events.example)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 65536


@dataclass(frozen=True)
class FetchSettings:
    """The fetcher's limits (from the SYNC_* settings)."""

    max_bytes: int = 5_000_000
    timeout: float = 20.0
    max_redirects: int = 5
    allow_private: bool = False
    allow_http: bool = False

    @classmethod
    def from_config(cls, config: Any) -> FetchSettings:
        """The settings of an app's config."""
        return cls(max_bytes=int(config["SYNC_MAX_BYTES"]), timeout=float(config["SYNC_TIMEOUT_SECONDS"]),
                   max_redirects=int(config["SYNC_MAX_REDIRECTS"]), allow_private=bool(config["SYNC_ALLOW_PRIVATE"]),
                   allow_http=bool(config["SYNC_ALLOW_HTTP"]))


@dataclass(frozen=True)
class Fetched:
    """A fetch's outcome: a body (status 200) or ``not_modified`` (304), with the new validators."""

    not_modified: bool
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""


class FetchError(Exception):
    """The calendar could not be fetched; ``message`` is an N_-marked msgid formatted with ``params``."""

    def __init__(self, message: str, **params: str | int) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def normalise_url(url: str, *, allow_http: bool = False) -> str:
    """The URL to fetch: ``webcal://`` as https; FetchError for any other scheme (http only if allowed)."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        url = "https" + url[len(parts.scheme):]
        scheme = "https"
    if scheme != "https" and not (scheme == "http" and allow_http):
        raise FetchError(N_("Only https:// and webcal:// addresses can be used."))
    if not urlsplit(url).hostname:
        raise FetchError(N_("The address has no host name."))
    return url


def check_address(address: str, *, allow_private: bool) -> None:
    """FetchError when ``address`` is one the server must not be made to connect to."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if allow_private:
        return
    if (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global):
        raise FetchError(N_("The address points into a private network (%(address)s): refused."), address=str(ip))


def _resolve(host: str, port: int, settings: FetchSettings) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(N_("The host name %(host)s cannot be found."), host=host) from error
    if not infos:
        raise FetchError(N_("The host name %(host)s cannot be found."), host=host)
    addresses = [str(info[4][0]) for info in infos]
    for address in addresses:  # every answer must be allowed, then the first is used
        check_address(address, allow_private=settings.allow_private)
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def fetch_calendar(url: str, *, etag: str | None, last_modified: str | None, settings: FetchSettings) -> Fetched:
    """GET the calendar at ``url`` (conditionally when validators are given); FetchError otherwise."""
    deadline = time.monotonic() + settings.timeout
    current = normalise_url(url, allow_http=settings.allow_http)
    for _hop in range(settings.max_redirects + 1):
        status, headers, body = _get(current, etag, last_modified, settings, deadline)
        if status in _REDIRECTS:
            location = headers.get("location")
            if not location:
                raise FetchError(N_("The server answered a redirect without a Location."))
            current = normalise_url(urljoin(current, location), allow_http=settings.allow_http)
            continue
        if status == 304:
            return Fetched(not_modified=True, etag=headers.get("etag") or etag,
                           last_modified=headers.get("last-modified") or last_modified)
        if status != 200:
            raise FetchError(N_("The server answered HTTP %(status)s."), status=status)
        return Fetched(not_modified=False, body=body, etag=headers.get("etag"),
                       last_modified=headers.get("last-modified"), content_type=headers.get("content-type", ""))
    raise FetchError(N_("Too many redirects (more than %(limit)s)."), limit=settings.max_redirects)


def _get(url: str, etag: str | None, last_modified: str | None, settings: FetchSettings,
         deadline: float) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = _resolve(host, port, settings)
    remaining = max(0.1, deadline - time.monotonic())
    connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = connection_class(host, port, address, min(settings.timeout, remaining))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request_headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5", "Accept-Encoding": "identity"}
    if etag:
        request_headers["If-None-Match"] = etag
    if last_modified:
        request_headers["If-Modified-Since"] = last_modified
    try:
        connection.request("GET", path, headers=request_headers)
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        if response.status != 200:
            return response.status, headers, b""
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() > deadline:
                raise FetchError(N_("The server took too long (more than %(seconds)s seconds)."),
                                 seconds=int(settings.timeout))
            chunk = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > settings.max_bytes:
                raise FetchError(N_("The calendar is larger than %(limit)s bytes."), limit=settings.max_bytes)
            chunks.append(chunk)
        return response.status, headers, b"".join(chunks)
    except (TimeoutError, socket.timeout) as error:
        raise FetchError(N_("The server took too long (more than %(seconds)s seconds)."),
                         seconds=int(settings.timeout)) from error
    except ssl.SSLError as error:
        raise FetchError(N_("The secure connection failed: %(error)s"), error=str(error)[:200]) from error
    except (OSError, http.client.HTTPException) as error:
        raise FetchError(N_("The server cannot be reached: %(error)s"), error=str(error)[:200]) from error
    finally:
        connection.close()
