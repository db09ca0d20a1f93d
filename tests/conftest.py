"""Fixtures shared by every test folder."""

import os
import shutil
import subprocess

import pytest

from tests.container.engine import docker


@pytest.fixture(scope="session")
def engine() -> None:
    """A Docker engine that answers: without one, skip locally and fail under CI."""
    reason = None
    if shutil.which("docker") is None:
        reason = "no docker CLI on PATH"
    else:
        try:
            info = docker("info", "--format", "{{.ServerVersion}}", timeout=15, check=False)
            if info.returncode != 0:
                reason = f"no Docker engine answers: {info.stderr.strip()[:200]}"
        except subprocess.TimeoutExpired:
            reason = "the Docker engine did not answer within 15 s"
    if reason and os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so container tests must run)")
    if reason:
        pytest.skip(reason)
