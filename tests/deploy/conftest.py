import re
import tomllib

import pytest

from tests.support.paths import REPO

# One uvicorn worker's resident memory after load, in MB. Measure your own service under its real
# load (`docker stats`, or VmRSS in /proc) and change this, and the limits that follow, together.
WORKER_RSS_MB = 75
# The UID the image runs as, and the commands the project installs.
(IMAGE_UID,) = map(int, re.findall(r"^USER (\d+)", (REPO / "Dockerfile").read_text(), re.M))
CONSOLE_SCRIPTS = set(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"])


@pytest.fixture
def check_settings(monkeypatch):
    """Whether the service accepts these settings, as its entrypoint checks them."""
    from fastapi_uv_template.core.config import check_all
    from fastapi_uv_template.settings import Settings

    def check(environment: dict[str, str]) -> None:
        for name, value in environment.items():
            monkeypatch.setenv(name, str(value))
        check_all(Settings)

    return check
