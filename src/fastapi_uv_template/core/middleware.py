"""ASGI middleware that the app factory installs."""

import ipaddress
import logging
import re
import time
import uuid
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logs import SERVICE_LOGGER, current_request_id

REQUEST_ID_HEADER = b"x-request-id"
# Kept as given when it looks like an id (UUIDs, trace ids, base64); anything else is replaced,
# so that a client cannot write arbitrary text into the logs.
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}")

access_logger = logging.getLogger(f"{SERVICE_LOGGER}.access")
# A logged path is cut here: a record stays well under the 16 KiB at which Docker's log driver
# splits a line, escapes included.
LOGGED_PATH_LIMIT = 2048


def route_path(scope: Scope) -> str:
    """The path the router sees: without the root path when the proxy did not strip it."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and (path == root_path or path.startswith(root_path + "/")):
        return path[len(root_path) :] or "/"
    return path


class RootPathMiddleware:
    """Serve the app under a path prefix set by a proxy, as `fastapi run --root-path` does.

    A setting can do what the command-line flag cannot: the container's exec-form CMD
    cannot expand environment variables. Routing accepts paths with or without the prefix.
    """

    def __init__(self, app: ASGIApp, root_path: str) -> None:
        self.app = app
        self.root_path = root_path.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "root_path": self.root_path}
        await self.app(scope, receive, send)


class HostMiddleware:
    """APP_ALLOWED_HOSTS: a request naming another host in its Host header gets a JSON 400 (the
    probes excepted: a kubelet names the pod's address). Without the setting every host is
    served, and a redirect that the app builds from the Host header (a slash added or dropped)
    is made relative, so that a client cannot make it point at a host of its choosing.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: frozenset[str], exempt: frozenset[str]) -> None:
        self.app, self.allowed_hosts, self.exempt = app, allowed_hosts, exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or route_path(scope) in self.exempt:
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")
        if self.allowed_hosts:
            if host_name(host) not in self.allowed_hosts:
                await JSONResponse({"detail": "Invalid host header"}, 400)(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return

        async def send_relative_redirect(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                headers = [
                    (name, relative(value, host) if name == b"location" else value)
                    for name, value in message.get("headers", [])
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_relative_redirect)


def host_name(host: str) -> str | None:
    """The name in a Host header ("API.example.com:8443" -> "api.example.com"), if it has one."""
    try:
        return urlsplit(f"//{host}").hostname
    except ValueError:  # "[::1", a broken IPv6 literal
        return None


def relative(location: bytes, host: str) -> bytes:
    """An absolute URL on `host` as /path?query; any other location as it is."""
    parts = urlsplit(location)
    if parts.netloc != host.encode("latin-1"):
        return location
    return (parts.path or b"/") + (b"?" + parts.query if parts.query else b"")


class RequestLogMiddleware:
    """One log line per request, tagged with a request id that the response echoes.

    The id is the incoming `X-Request-ID` when it looks like one, else a new UUID; handlers find
    it in `request.state.request_id`.
    """

    def __init__(self, app: ASGIApp, quiet_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.quiet_paths = quiet_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self.request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        token = current_request_id.set(request_id)  # every record logged meanwhile carries it
        started = time.perf_counter()
        status = None

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (REQUEST_ID_HEADER, request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception:
            if status is not None:  # the answer has begun: nothing better to send
                raise
            # One record with the traceback and the request id, and a JSON 500 that carries
            # the id, instead of a plain-text 500 and a second, unrelated traceback.
            failed = JSONResponse({"detail": "Internal Server Error"}, 500)
            await failed(scope, receive, send_with_request_id)
            self.log(scope, 500, time.perf_counter() - started, request_id, failed=True)
            return
        finally:
            current_request_id.reset(token)
        if route_path(scope) not in self.quiet_paths:
            self.log(scope, status or 500, time.perf_counter() - started, request_id)

    @staticmethod
    def request_id(scope: Scope) -> str:
        given = Headers(scope=scope).get(REQUEST_ID_HEADER.decode())
        return given if given and ACCEPTED_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex

    @staticmethod
    def log(
        scope: Scope, status: int, seconds: float, request_id: str, failed: bool = False
    ) -> None:
        fields = {
            "method": scope["method"],
            # No query string: it may carry secrets.
            "path": scope["path"][:LOGGED_PATH_LIMIT],
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "client": client_address(scope),
            "scheme": scope["scheme"],
            "request_id": request_id,
        }
        level = logging.ERROR if failed else logging.INFO
        access_logger.log(level, "request", exc_info=failed, extra=fields)


def client_address(scope: Scope) -> str | None:
    """The client's address, or "invalid" when a trusted proxy's X-Forwarded-For named no
    address (uvicorn takes its text as it is)."""
    if not scope.get("client"):
        return None
    host: str = scope["client"][0]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return "invalid"
