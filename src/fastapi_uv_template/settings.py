"""Settings from environment variables: the service's own (APP_*), and the server's."""

import ipaddress
import os
from collections.abc import MutableMapping
from pathlib import Path
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


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Port = Annotated[int, Field(gt=0, lt=65536)]
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    title: Text = "FastAPI service"
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


# Docker and Compose secrets, and a Kubernetes Secret mounted as a volume, appear here as files.
SECRETS_DIR = Path("/run/secrets")


def setting_names() -> set[str]:
    """Every variable the image reads: APP_* and the server's."""
    return {f"{ENV_PREFIX}{name}".upper() for name in Settings.model_fields} | {
        name.upper() for name in ServerSettings.model_fields
    }


def read_secret_files(
    environ: MutableMapping[str, str] = os.environ, directory: Path = SECRETS_DIR
) -> None:
    """Settings from files named like their variable (/run/secrets/OTEL_EXPORTER_OTLP_HEADERS),
    put into the environment, where the server and its libraries read them too. A variable that
    is set already wins; an empty file sets nothing."""
    if not directory.is_dir():
        return
    known = setting_names()
    for path in sorted(directory.iterdir()):
        name = path.name.upper()
        if name not in known or name in environ or not path.is_file():
            continue
        if value := path.read_text().strip():
            environ[name] = value


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


def load_settings() -> Settings:
    return load(Settings)


def check_settings() -> Settings:
    """Every setting the image reads, the server's included; the service's own are returned."""
    loaded, problems = {}, []
    for model in (Settings, ServerSettings):
        try:
            loaded[model] = load(model)
        except SettingsError as error:
            problems.append(str(error).removeprefix("invalid setting "))
    if problems:
        raise SettingsError(f"invalid setting {'; '.join(problems)}")
    return loaded[Settings]
