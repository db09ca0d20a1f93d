import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = Path(sys.executable).parent  # dev tools pinned by uv.lock live beside the interpreter


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
