"""Service settings, read from environment variables that share one prefix."""

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "APP_"


class SettingsError(ValueError):
    """A setting has an invalid value; the message names the environment variable."""


def split_addresses(value: object) -> object:
    """'db:5432, cache:6379' -> [('db', '5432'), ('cache', '6379')]; the model checks the ports."""
    if not isinstance(value, str):
        return value
    addresses = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        host, colon, port = item.rpartition(":")
        if not colon or not host:
            raise ValueError(f"expected host:port, got {item!r}")
        addresses.append((host.strip("[]"), port))  # [::1]:80 names an IPv6 host
    return addresses


Port = Annotated[int, Field(gt=0, lt=65536)]


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
    # TCP services the pre-start step waits for, as "host:port,host:port", and for how long.
    wait_for: Annotated[list[tuple[str, Port]], NoDecode, BeforeValidator(split_addresses)] = []
    wait_timeout: float = Field(default=30, gt=0)


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
