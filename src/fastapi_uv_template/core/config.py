"""Settings the platform reads: its own (APP_*), and the server's under their usual names.

The service's own settings subclass `PlatformSettings` in settings.py. Every setting is checked
before the server starts (prestart.py): a bad value stops the container with one line naming
the variable, and a secret's value is never shown.
"""

import ipaddress
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    HttpUrl,
    SecretStr,
    StringConstraints,
    ValidationError,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "APP_"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Port = Annotated[int, Field(gt=0, lt=65536)]
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]


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


def check_root_path(value: str) -> str:
    if value and not value.startswith("/"):
        raise ValueError("a path prefix starts with /, e.g. /api")
    return value


def check_trusted_addresses(value: str) -> str:
    """uvicorn's FORWARDED_ALLOW_IPS: "*", or addresses and networks separated by commas."""
    for item in (part.strip() for part in value.split(",")):
        if item != "*":
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is no IP address or network (nor *)") from None
    return value


def check_headers(value: SecretStr | None) -> SecretStr | None:
    """OTLP headers: key=value pairs separated by commas. The values are never shown."""
    pairs = value.get_secret_value().split(",") if value else []
    if any("=" not in pair or not pair.split("=", 1)[0].strip() for pair in pairs):
        raise ValueError("expected key=value pairs separated by commas")
    return value


class PlatformSettings(BaseSettings):
    """What the platform reads from APP_* variables; settings.py adds the service's own."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    log_level: Literal["debug", "info", "warning", "error", "critical"] = "info"
    log_format: Literal["text", "json"] = "text"
    # Orchestrators probe every few seconds; a log line per probe drowns the real traffic.
    log_health_probes: bool = False
    # Path prefix under which a proxy serves the app, e.g. "/api"; used for /docs links.
    root_path: Annotated[str, AfterValidator(check_root_path)] = ""
    docs_enabled: bool = True
    # TCP services the pre-start step waits for, as "host:port,host:port", and for how long.
    wait_for: Annotated[list[tuple[str, Port]], NoDecode, BeforeValidator(split_addresses)] = []
    wait_timeout: Annotated[Seconds, Field(le=3600)] = 30
    # /readyz checks those services (and the service's own checks) this often at most, and
    # gives each check this long.
    ready_cache_seconds: Annotated[float, Field(ge=0, le=60, allow_inf_nan=False)] = 2
    ready_timeout: Annotated[Seconds, Field(le=10)] = 0.5


class ServerSettings(BaseSettings):
    """What fastapi-cli, uvicorn and OpenTelemetry read, each under its own name.

    The app never uses these; they are checked so that a bad value stops the container at start
    with one line, before uvicorn starts a worker that would fail, again and again.
    """

    model_config = SettingsConfigDict(extra="ignore")

    port: Port = 8000
    web_concurrency: int = Field(default=1, ge=1, le=64)
    forwarded_allow_ips: Annotated[str, AfterValidator(check_trusted_addresses)] = "127.0.0.1"
    otel_exporter_otlp_endpoint: HttpUrl | None = None
    otel_exporter_otlp_traces_endpoint: HttpUrl | None = None
    # Seconds, as the Python exporter reads it: each export's deadline, retries included.
    otel_exporter_otlp_timeout: Annotated[Seconds, Field(le=60)] = 10
    otel_exporter_otlp_headers: Annotated[SecretStr | None, AfterValidator(check_headers)] = None


def variable_names(*models: type[BaseSettings]) -> set[str]:
    """The environment variable of every field of these models."""
    return {
        f"{model.model_config.get('env_prefix', '')}{name}".upper()
        for model in models
        for name in model.model_fields
    }


def load[T: BaseSettings](model: type[T]) -> T:
    """Read the settings, turning a validation failure into one line naming each bad variable.

    A secret's value is never shown.
    """
    try:
        return model()
    except ValidationError as error:
        prefix = model.model_config.get("env_prefix", "")
        problems = []
        for issue in error.errors():
            field = str(issue["loc"][0])
            secret = "SecretStr" in str(model.model_fields[field].annotation)
            shown = "(hidden)" if secret else repr(issue.get("input"))
            problems.append(f"{prefix}{field.upper()}={shown}: {issue['msg']}")
        raise SettingsError(f"invalid setting {'; '.join(problems)}") from None


def invalid(model: type[BaseSettings]) -> list[str]:
    """What `load` finds wrong with the model's variables, if anything."""
    try:
        load(model)
    except SettingsError as error:
        return [str(error).removeprefix("invalid setting ")]
    return []


def check_all[T: BaseSettings](model: type[T]) -> T:
    """Every setting the image reads, the server's included; the service's own are returned."""
    if found := invalid(model) + invalid(ServerSettings):
        raise SettingsError(f"invalid setting {'; '.join(found)}")
    return load(model)
