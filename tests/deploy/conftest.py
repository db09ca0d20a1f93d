import re
import tomllib

import pytest

from tests.paths import REPO


@pytest.fixture(scope="session")
def image_uid() -> int:
    """The numeric UID the Dockerfile's runtime stage runs as."""
    (user,) = re.findall(r"^USER (\d+)", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    return int(user)


# One uvicorn worker's resident memory after load, in MB: measured by the template's benchmark
# (wrk, 16 connections, on /items/5). Measure your own service under its real load (`docker
# stats`, or VmRSS in /proc) and change this, and the limits that follow from it, together.
WORKER_RSS_MB = 75


@pytest.fixture(scope="session")
def worker_rss_mb() -> float:
    return WORKER_RSS_MB


@pytest.fixture(scope="session")
def console_scripts() -> dict[str, str]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
