"""ASGI middleware that the app factory installs."""

from starlette.types import ASGIApp, Receive, Scope, Send


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
