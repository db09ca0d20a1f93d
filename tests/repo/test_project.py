"""The repository's own hygiene: the lock matches pyproject.toml, ruff is clean."""

import os
import shutil
import subprocess
import sys

import pytest

from tests.paths import REPO


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)


def uv() -> str:
    # `uv run` exports the path of the uv binary that runs us.
    path = os.environ.get("UV") or shutil.which("uv")
    if path is None:
        pytest.skip("uv is not on PATH")
    return path


def test_lock_file_is_up_to_date():
    result = run(uv(), "lock", "--check", "--offline")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("check", [("check",), ("format", "--check")], ids=["lint", "format"])
def test_ruff_is_clean(check):
    result = run(sys.executable, "-m", "ruff", *check, ".")
    assert result.returncode == 0, result.stdout + result.stderr
