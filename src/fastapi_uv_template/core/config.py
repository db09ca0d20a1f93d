"""Settings the platform reads: its own (APP_*), and the server's under their usual names.

The service's own settings subclass `PlatformSettings` in settings.py. Every setting is checked
before the server starts (prestart.py): a bad value stops the container with one line naming
the variable, and a secret's value is never shown.
"""

import ipaddress
import re
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


DIGITS = re.compile(r"[0-9]+")


def whole_number(value: object) -> object:
    """Digits only, as the server's int() reads them: pydantic would take "2.0", the server not."""
    if isinstance(value, str) and not DIGITS.fullmatch(value.strip()):
        raise ValueError("expected a whole number in digits, e.g. 2")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Port = Annotated[int, BeforeValidator(whole_number), Field(gt=0, lt=65536)]
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class SettingsError(ValueError):
    """A setting has an invalid value; the message names the environment variable."""


# A DNS name or an IPv4 address: labels of letters, digits, - and _ (Compose service names).
HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*")
# Path segments of unreserved and sub-delimiter characters or %XX escapes.
ROOT_PATH = re.compile(r"(/([A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})+)*/?")


def is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def split_addresses(value: object) -> object:
    """'db:5432, [::1]:80' -> [('db', '5432'), ('::1', '80')]; the model checks the ports' range."""
    if not isinstance(value, str):
        return value
    addresses = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        host, colon, port = item.rpartition(":")
        bracketed = host.startswith("[") and host.endswith("]") and is_ip_address(host[1:-1])
        if not (colon and (bracketed or HOST_NAME.fullmatch(host)) and DIGITS.fullmatch(port)):
            raise ValueError(f"expected host:port (IPv6 as [::1]:port), got {item!r}")
        addresses.append((host[1:-1] if bracketed else host, port))
    return addresses


def split_host_names(value: object) -> object:
    """'api.example.com, localhost' -> ['api.example.com', 'localhost'], each a host name."""
    if not isinstance(value, str):
        return value
    names = [name.strip().lower() for name in value.split(",") if name.strip()]
    if bad := [name for name in names if not HOST_NAME.fullmatch(name)]:
        raise ValueError(f"{bad[0]!r} is no host name (no port, no scheme, no *)")
    return names


def check_root_path(value: str) -> str:
    """A path, as a proxy forwards it: no host (//host), query, fragment or dot segment."""
    dot_segment = re.search(r"/\.\.?(/|$)", value)
    if value and (not ROOT_PATH.fullmatch(value) or dot_segment):
        raise ValueError("expected a path prefix such as /api (letters, digits, -._~ and %XX)")
    return value


def check_trusted_addresses(value: str) -> str:
    """uvicorn's FORWARDED_ALLOW_IPS: "*" alone, or addresses and networks separated by commas.

    uvicorn silently takes anything else as a literal that never matches a client, so what it
    would not read as an address is refused: a network with host bits, "*" inside a list.
    """
    if value == "*":
        return value
    for item in (part.strip() for part in value.split(",")):
        try:
            ipaddress.ip_network(item) if "/" in item else ipaddress.ip_address(item)
        except ValueError:
            raise ValueError(
                f"{item!r} is no IP address or network (without host bits); * alone trusts all"
            ) from None
    return value


def without_credentials(text: str) -> str:
    """A URL's user and password (scheme://user:password@host) hidden in a message."""
    return re.sub(r"//[^/@\s]*@", "//(hidden)@", text)


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
    # Host names the service answers to ("api.example.com,localhost"); empty: any (README).
    allowed_hosts: Annotated[list[str], NoDecode, BeforeValidator(split_host_names)] = []
    # TCP services the pre-start step waits for, as "host:port,host:port", and for how long.
    wait_for: Annotated[list[tuple[str, Port]], NoDecode, BeforeValidator(split_addresses)] = []
    wait_timeout: Annotated[Seconds, Field(le=3600)] = 30
    # /readyz checks those services (and the service's own checks) this often at most, and
    # gives each check this long.
    ready_cache_seconds: Annotated[float, Field(ge=0, le=60, allow_inf_nan=False)] = 2
    ready_timeout: Annotated[Seconds, Field(le=10)] = 0.5
    # /readyz names the failing checks and their errors only if this is set; they are logged.
    ready_details: bool = False
    # With WEB_CONCURRENCY > 1: how long a worker may take to answer its supervisor's ping before
    # it is replaced (uvicorn's 5 s kills workers that are merely starting on a busy host).
    worker_ping_timeout: Annotated[Seconds, Field(ge=1, le=600)] = 30


class ServerSettings(BaseSettings):
    """What fastapi-cli, uvicorn and OpenTelemetry read, each under its own name.

    The app never uses these; they are checked so that a bad value stops the container at start
    with one line, before uvicorn starts a worker that would fail, again and again.
    """

    model_config = SettingsConfigDict(extra="ignore")

    port: Port = 8000
    web_concurrency: Annotated[int, BeforeValidator(whole_number), Field(ge=1, le=64)] = 1
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
            shown = "(hidden)" if secret else without_credentials(repr(issue.get("input")))
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
