"""The service: its routers on an app that the platform (core/) sets up."""

from fastapi import FastAPI

from .core.app import app_or_exit, new_app
from .core.config import load
from .routes import items
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load(Settings)
    app = new_app(settings, title=settings.title)
    app.include_router(items.router)
    return app


# What `fastapi run` serves ([tool.fastapi] in pyproject.toml).
app = app_or_exit(create_app)
