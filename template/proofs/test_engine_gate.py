"""Without an engine that builds with BuildKit, container tests skip with the reason on a laptop
and fail under CI."""

import os
import subprocess
from pathlib import Path

import pytest

from .generation import ENV
from tests.support.engine import buildkit_problem
from tests.support.paths import REPO

# A current docker client (23 or newer) builds only through its buildx plugin.
STOCK_CLIENT = Path("/usr/local/bin/docker")


def run_image_tests(ci: bool, **env: str) -> str:
    """One of the service's image tests, run as its owner runs the suite."""
    env = {**ENV, **env}
    env.pop("TEST_IMAGE", None)
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    result = subprocess.run(
        ["uv", "run", "--locked", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/image/test_image.py", "-k", "serves_as_a_fixed_non_root_uid"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return result.stdout


@pytest.mark.parametrize(("ci", "outcome"), [(False, "1 skipped"), (True, "1 error")])
def test_missing_engine(ci, outcome):
    output = run_image_tests(ci, DOCKER_HOST="unix:///nonexistent/docker.sock")
    assert outcome in output
    assert "no Docker engine answers" in output
    assert ("CI is set" in output) == ci


@pytest.mark.parametrize(("ci", "outcome"), [(False, "1 skipped"), (True, "1 error")])
def test_client_with_the_legacy_builder(engine, ci, outcome):
    output = run_image_tests(ci, DOCKER_BUILDKIT="0")
    assert outcome in output
    assert "builds with the legacy builder" in output


def test_client_without_its_buildx_plugin(engine, tmp_path):
    version = subprocess.run(
        [STOCK_CLIENT, "version", "--format", "{{.Client.Version}}"], capture_output=True,
        text=True, check=False,
    ).stdout if STOCK_CLIENT.exists() else ""  # fmt: skip
    if not version or int(version.split(".")[0]) < 23:
        pytest.skip(f"no docker client 23+ at {STOCK_CLIENT} to run without buildx")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "docker").symlink_to(STOCK_CLIENT)
    # An empty client configuration: no plugins found through it.
    path = f"{tmp_path / 'bin'}{os.pathsep}{ENV['PATH']}"
    output = run_image_tests(False, PATH=path, DOCKER_CONFIG=str(tmp_path))
    if "1 passed" in output:
        pytest.skip(f"{STOCK_CLIENT} finds a buildx plugin outside DOCKER_CONFIG")
    assert "1 skipped" in output
    assert "its buildx plugin is missing" in output


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("ERROR: BuildKit is enabled but the buildx component is missing or broken.",
         "its buildx plugin is missing"),
        ("the --chmod option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/",
         "builds with the legacy builder"),
        ("\nError response from daemon: session not supported by this engine\n",
         "the Docker engine cannot run a BuildKit build: Error response from daemon: session"),
    ],
)  # fmt: skip
def test_each_build_failure_gets_its_own_reason(error, reason):
    assert reason in buildkit_problem(error)
