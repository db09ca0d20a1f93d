"""Fixtures shared by every test folder."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.container.engine import docker

# COPY --chmod exists only in BuildKit; the tar output leaves no image behind on the engine.
BUILDKIT_PROBE = "FROM scratch\nCOPY --chmod=644 probe /probe\n"


def buildkit_problem(error: str) -> str:
    """Why a BuildKit build failed, from the docker client's error message."""
    if "buildx" in error:
        return "the docker client has no BuildKit: its buildx plugin is missing (docker-buildx)"
    if "requires BuildKit" in error:
        return "the docker client builds with the legacy builder: set DOCKER_BUILDKIT=1"
    first_line = next((line for line in error.splitlines() if line.strip()), "no message")
    return f"the Docker engine cannot run a BuildKit build: {first_line.strip()[:200]}"


def engine_problem() -> str | None:
    """None when a docker client and engine can build with BuildKit, else the reason."""
    if shutil.which("docker") is None:
        return "no docker CLI on PATH"
    try:
        info = docker("info", "--format", "{{.ServerVersion}}", timeout=15, check=False)
    except subprocess.TimeoutExpired:
        return "the Docker engine did not answer within 15 s"
    if info.returncode != 0:
        return f"no Docker engine answers: {info.stderr.strip()[:200]}"
    with tempfile.TemporaryDirectory() as context:
        (Path(context) / "Dockerfile").write_text(BUILDKIT_PROBE)
        (Path(context) / "probe").write_text("probe\n")
        output = f"--output=type=tar,dest={Path(context) / 'image.tar'}"
        build = docker("build", "--quiet", output, context, timeout=120, check=False)
    return None if build.returncode == 0 else buildkit_problem(build.stderr)


@pytest.fixture(scope="session")
def engine() -> None:
    """A Docker engine with BuildKit: without one, skip locally and fail under CI."""
    reason = engine_problem()
    if reason and os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so container tests must run)")
    if reason:
        pytest.skip(reason)
