"""The application factory and the module-level app that `fastapi run` serves."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .logs import configure_logging
from .middleware import RequestLogMiddleware, RootPathMiddleware, route_path
from .readiness import Readiness, tcp_check
from .routes import health, items
from .settings import Settings, SettingsError, load_settings

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # uvicorn listens only after this startup and stops listening before the shutdown below:
    # no request arrives outside it, so readiness need not follow it (routes/health.py).
    logger.info("startup complete, ready to serve")
    yield
    logger.info("shutdown complete")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings)
    app = FastAPI(
        title=settings.title,
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url="/redoc" if settings.docs_enabled else None,
        lifespan=lifespan,
        # Spans, metrics and logs go out over OTLP once the standard OTEL_EXPORTER_OTLP_*
        # variables name an endpoint; without one no provider exists and FastAPI skips the work.
        telemetry={
            "auto_configure": True,
            "exclude": lambda scope: route_path(scope) in health.PROBE_PATHS,
        },
    )
    app.state.settings = settings
    app.state.readiness = Readiness(settings.ready_cache_seconds, settings.ready_timeout)
    for host, port in settings.wait_for:
        app.state.readiness.add(f"{host}:{port}", tcp_check(host, port, settings.ready_timeout))
    app.include_router(items.router)
    app.include_router(health.router)
    quiet_paths = frozenset() if settings.log_health_probes else health.PROBE_PATHS
    app.add_middleware(RequestLogMiddleware, quiet_paths=quiet_paths)
    # Added last, so it runs first: the request log and the routes see the root path.
    if settings.root_path:
        app.add_middleware(RootPathMiddleware, root_path=settings.root_path)
    return app


try:
    app = create_app()
except SettingsError as error:
    # One clear line and a non-zero exit instead of a traceback from deep inside uvicorn.
    raise SystemExit(f"error: {error}") from None
