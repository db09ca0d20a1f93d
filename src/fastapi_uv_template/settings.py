"""Service settings, read from environment variables that share one prefix."""

from typing import Literal

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "APP_"


class SettingsError(ValueError):
    """A setting has an invalid value; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    title: str = "FastAPI service"
    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    log_format: Literal["text", "json"] = "text"
    # Orchestrators probe every few seconds; a log line per probe drowns the real traffic.
    log_health_probes: bool = False
    # Path prefix under which a proxy serves the app, e.g. "/api"; used for /docs links.
    root_path: str = ""
    docs_enabled: bool = True


def load_settings() -> Settings:
    """Read the settings, turning a validation failure into one line per bad variable."""
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{ENV_PREFIX}{str(issue['loc'][0]).upper()}={issue.get('input')!r}: {issue['msg']}"
            for issue in error.errors()
        )
        raise SettingsError(f"invalid setting {problems}") from None
