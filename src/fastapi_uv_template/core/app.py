"""The platform installed on a new FastAPI app: logging, request log and ids, a JSON 500, the
root path, tracing, health probes and readiness."""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from importlib.metadata import metadata
from typing import Any

from fastapi import FastAPI

from . import health, telemetry
from .config import PlatformSettings, SettingsError
from .logs import configure_logging
from .middleware import HostMiddleware, RequestLogMiddleware, RootPathMiddleware, route_path
from .readiness import Readiness, tcp_check

logger = logging.getLogger(__name__)
# The project's distribution (pyproject.toml's name), whose metadata the API schema shows.
DISTRIBUTION = "fastapi-uv-template"


Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def no_lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield


def platform_lifespan(service_lifespan: Lifespan) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # uvicorn listens only after this startup and stops listening before the shutdown below:
        # no request arrives outside it, so readiness need not follow it (health.py).
        async with service_lifespan(app):
            logger.info("startup complete, ready to serve")
            yield
        logger.info("shutdown complete")
        telemetry.exit_by_deadline()  # FastAPI exports the telemetry after this

    return lifespan


def about_the_service() -> dict[str, str]:
    """The version and description in pyproject.toml, as the installed distribution has them."""
    described = metadata(DISTRIBUTION)
    return {"version": described["Version"], "description": described.get("Summary") or ""}


def new_app(settings: PlatformSettings, lifespan: Lifespan = no_lifespan, **about: Any) -> FastAPI:
    """A FastAPI app with the platform installed; `about` (title, version...) goes to FastAPI,
    whose schema has the project's version and description unless given.

    Handlers find the settings in `app.state.settings` (dependencies.py), the readiness checks
    in `app.state.readiness` (add the service's own with `.add(name, check)`). The service's own
    `lifespan` (opening and closing its clients) runs inside the platform's.
    """
    configure_logging(settings)
    app = FastAPI(
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url="/redoc" if settings.docs_enabled else None,
        lifespan=platform_lifespan(lifespan),
        # Spans, metrics and logs go out over OTLP once the standard OTEL_EXPORTER_OTLP_*
        # variables name an endpoint; without one no provider exists and FastAPI skips the work.
        telemetry={
            "auto_configure": True,
            "exclude": lambda scope: route_path(scope) in health.PROBE_PATHS,
        },
        **(about_the_service() | about),
    )
    app.state.settings = settings
    app.state.readiness = Readiness(settings.ready_cache_seconds, settings.ready_timeout)
    for host, port in settings.wait_for:
        app.state.readiness.add(f"{host}:{port}", tcp_check(host, port, settings.ready_timeout))
    app.include_router(health.router)
    quiet_paths = frozenset() if settings.log_health_probes else health.PROBE_PATHS
    app.add_middleware(
        HostMiddleware, allowed_hosts=frozenset(settings.allowed_hosts), exempt=health.PROBE_PATHS
    )
    app.add_middleware(RequestLogMiddleware, quiet_paths=quiet_paths)
    # Added last, so it runs first: the request log and the routes see the root path.
    if settings.root_path:
        app.add_middleware(RootPathMiddleware, root_path=settings.root_path)
    return app


def app_or_exit(create_app: Callable[[], FastAPI]) -> FastAPI:
    """The app for the server to import: a bad setting exits with one clear line and a non-zero
    code instead of a traceback from deep inside uvicorn."""
    try:
        return create_app()
    except SettingsError as error:
        raise SystemExit(f"error: {error}") from None
