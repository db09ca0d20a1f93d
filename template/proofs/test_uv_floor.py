"""The floor a service states (`required-version` in pyproject.toml) is a uv that really reads
its settings and keeps its lock: Dependabot locks with its own, older uv."""

import re
import subprocess

from tests.support.paths import REPO


def test_the_oldest_uv_allowed_reads_every_setting_and_keeps_the_lock():
    pyproject = (REPO / "pyproject.toml").read_text()
    floor = re.search(r'^required-version = ">=([^"]+)"$', pyproject, re.MULTILINE)[1]
    # That uv, from the package index, on the project as it is; `--check` writes nothing.
    result = subprocess.run(
        ["uv", "tool", "run", "--from", f"uv=={floor}", "uv", "lock", "--check", "--offline"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr.lower(), result.stderr
