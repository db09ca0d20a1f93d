"""The application factory and the module-level app that `fastapi run` serves."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .middleware import RootPathMiddleware
from .routes import health, items
from .settings import Settings, SettingsError, load_settings

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    logger.info("startup complete, ready to serve")
    app.state.ready = True
    yield
    # Fail readiness first so that load balancers stop sending traffic while we drain.
    app.state.ready = False
    logger.info("shutdown complete")


def configure_logging(settings: Settings) -> None:
    """Give the package's own logger a handler; uvicorn configures only its own loggers."""
    package_logger = logging.getLogger(__package__)
    if not package_logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        package_logger.addHandler(handler)
    package_logger.setLevel(settings.log_level.upper())


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings)
    app = FastAPI(
        title=settings.title,
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url="/redoc" if settings.docs_enabled else None,
        lifespan=lifespan,
    )
    app.state.ready = False
    app.include_router(items.router)
    app.include_router(health.router)
    if settings.root_path:
        app.add_middleware(RootPathMiddleware, root_path=settings.root_path)
    return app


try:
    app = create_app()
except SettingsError as error:
    # One clear line and a non-zero exit instead of a traceback from deep inside uvicorn.
    raise SystemExit(f"error: {error}") from None
