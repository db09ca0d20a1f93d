"""What handlers ask FastAPI for, as typed aliases: `def orders(settings: SettingsDep)`."""

from typing import Annotated

from fastapi import Depends, Request

from .settings import Settings


def get_settings(request: Request) -> Settings:
    """The app's settings. Tests replace them with `app.dependency_overrides[get_settings]`."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
