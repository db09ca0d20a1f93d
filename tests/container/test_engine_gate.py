"""Without an engine, container tests skip on a laptop and fail under CI."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def run_image_tests(ci: bool) -> str:
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    env.pop("TEST_IMAGE", None)
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         str(HERE / "test_image.py"), "-k", "documented_endpoints"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return result.stdout


@pytest.mark.parametrize(
    ("ci", "outcome", "reason"),
    [(False, "1 skipped", "no Docker engine answers"), (True, "1 error", "CI is set")],
)
def test_missing_engine(ci, outcome, reason):
    output = run_image_tests(ci)
    assert outcome in output
    assert reason in output
