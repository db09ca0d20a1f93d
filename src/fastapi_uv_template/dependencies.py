"""What handlers ask FastAPI for. Apart from settings.py, which the entrypoint imports before the
server starts and which so stays free of FastAPI."""

from fastapi import Request

from .settings import Settings


def get_settings(request: Request) -> Settings:
    """The app's settings, for handlers: `settings: Annotated[Settings, Depends(get_settings)]`.
    Tests replace them with `app.dependency_overrides[get_settings]`."""
    return request.app.state.settings
