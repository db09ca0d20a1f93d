"""Settings from secret files: Docker and Compose secrets, and a Kubernetes Secret mounted as a
volume, appear as files in /run/secrets, each named like its variable."""

import os
from collections.abc import Collection, MutableMapping
from pathlib import Path

SECRETS_DIR = Path("/run/secrets")


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
        if name not in names or name in environ or not path.is_file():
            continue
        if value := path.read_text().strip():
            environ[name] = value
