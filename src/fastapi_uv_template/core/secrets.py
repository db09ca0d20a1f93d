"""Settings from secret files: Docker and Compose secrets, and a Kubernetes Secret mounted as a
volume, appear as files in /run/secrets, each named like its variable."""

import os
from collections.abc import Collection, MutableMapping
from pathlib import Path

from .config import SettingsError

SECRETS_DIR = Path("/run/secrets")


def read_secret_file(path: Path, name: str) -> str:
    """The file's text without surrounding whitespace; any doubt about it stops the service,
    naming the variable and never showing the value."""

    def refused(reason: str) -> SettingsError:
        return SettingsError(f"invalid setting {name} (secret file {path}): {reason}")

    if not path.exists():
        raise refused("a link to a file that does not exist")
    if path.is_dir():  # a device (Compose mounts /dev/null for an unset secret) reads as a file
        raise refused("a directory, not a file")
    try:
        value = path.read_bytes().decode().strip()
    except PermissionError:
        raise refused(f"not readable by the service's user (uid {os.getuid()})") from None
    except UnicodeDecodeError:
        raise refused("not UTF-8 text") from None
    if not value.isprintable():
        raise refused("a line break or control character inside the value")
    return value


def read_secret_files(
    names: Collection[str],
    environ: MutableMapping[str, str] = os.environ,
    directory: Path = SECRETS_DIR,
) -> None:
    """Each file named like one of `names` (/run/secrets/OTEL_EXPORTER_OTLP_HEADERS), put into
    the environment, where the server and its libraries read it too. A variable that is set
    already wins; an empty file sets nothing."""
    if not directory.is_dir():
        return
    for path in sorted(directory.iterdir()):
        name = path.name.upper()
        if name in names and name not in environ and (value := read_secret_file(path, name)):
            environ[name] = value
