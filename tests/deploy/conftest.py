import json
import re
import tomllib

import pytest

from tests.paths import REPO


@pytest.fixture(scope="session")
def image_uid() -> int:
    """The numeric UID the Dockerfile's runtime stage runs as."""
    (user,) = re.findall(r"^USER (\d+)", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    return int(user)


@pytest.fixture(scope="session")
def worker_rss_mb() -> float:
    """One worker's RSS after load, as the benchmark measured it."""
    results = json.loads((REPO / "bench" / "results" / "results.json").read_text())
    return results["images"]["template"]["rss_per_worker_mb_1w"]


@pytest.fixture(scope="session")
def console_scripts() -> dict[str, str]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
