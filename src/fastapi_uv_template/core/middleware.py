"""ASGI middleware that the app factory installs."""

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logs import SERVICE_LOGGER, current_request_id

REQUEST_ID_HEADER = b"x-request-id"
# Kept as given when it looks like an id (UUIDs, trace ids, base64); anything else is replaced,
# so that a client cannot write arbitrary text into the logs.
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}")

access_logger = logging.getLogger(f"{SERVICE_LOGGER}.access")
INTERNAL_ERROR_BODY = json.dumps({"detail": "Internal Server Error"}).encode()
INTERNAL_ERROR_START: Message = {
    "type": "http.response.start",
    "status": 500,
    "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(INTERNAL_ERROR_BODY)).encode()),
    ],
}


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
            await send_with_request_id(INTERNAL_ERROR_START)
            await send({"type": "http.response.body", "body": INTERNAL_ERROR_BODY})
            self.log(scope, 500, time.perf_counter() - started, request_id, failed=True)
            return
        finally:
            current_request_id.reset(token)
        if route_path(scope) not in self.quiet_paths:
            self.log(scope, status or 500, time.perf_counter() - started, request_id)

    @staticmethod
    def request_id(scope: Scope) -> str:
        for name, value in scope["headers"]:
            if name == REQUEST_ID_HEADER:
                given: str = value.decode("latin-1")
                if ACCEPTED_REQUEST_ID.fullmatch(given):
                    return given
        return uuid.uuid4().hex

    @staticmethod
    def log(
        scope: Scope, status: int, seconds: float, request_id: str, failed: bool = False
    ) -> None:
        fields = {
            "method": scope["method"],
            "path": scope["path"],  # no query string: it may carry secrets
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "client": scope["client"][0] if scope.get("client") else None,
            "scheme": scope["scheme"],
            "request_id": request_id,
        }
        level = logging.ERROR if failed else logging.INFO
        access_logger.log(level, "request", exc_info=failed, extra=fields)
