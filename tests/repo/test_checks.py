"""The repository's own rules, which no linter knows: pins, least privilege, one uv version, a
current lock; and the linters themselves, run once through the pre-commit hooks."""

import os
import re
import subprocess
from pathlib import Path

import yaml

from tests.support.engine import repository_copy
from tests.support.paths import REPO, TOOLS

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def load(path: Path) -> dict:
    # PyYAML reads the key `on` as True; BaseLoader keeps every key and value a string.
    return yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # noqa: S506


def run(*command: str | Path, cwd: Path = REPO, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600,
        env={**os.environ, **env},
    )  # fmt: skip


def test_the_hooks_pass(tmp_path):
    """ruff, mypy, hadolint, shellcheck, actionlint, zizmor and the schema checks, as prek runs
    them before each commit; in a copy, since the fixers rewrite files."""
    copy = repository_copy(tmp_path / "repository")
    result = run(
        TOOLS / "prek", "run", "--all-files", cwd=copy,
        # The hooks' `uv run` uses this environment as it is; prek's own tool environments
        # go to a folder of this test's.
        UV_PROJECT_ENVIRONMENT=str(TOOLS.parent), UV_NO_SYNC="1", PREK_HOME=str(tmp_path / "prek"),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_lock_matches_pyproject():
    result = run(os.environ.get("UV", "uv"), "lock", "--check", "--offline")
    assert result.returncode == 0, result.stderr


def test_every_action_is_pinned_to_a_commit_with_its_version_beside_it():
    uses = re.compile(r"uses:\s*(\S+)(.*)$")
    found = [uses.search(line) for path in WORKFLOWS for line in path.read_text().splitlines()]
    pins = [match.groups() for match in found if match]
    assert pins
    for reference, comment in pins:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", reference), reference
        assert re.match(r"\s*# v\d+\.\d+\.\d+", comment), reference


def test_workflows_read_only_by_default_and_only_publishing_jobs_write():
    writers = set()
    for path in WORKFLOWS:
        workflow = load(path)
        assert workflow["permissions"] == {"contents": "read"}, path.name
        for name, job in workflow["jobs"].items():
            assert int(job["timeout-minutes"]) <= 60, name
            if any(scope == "write" for scope in job.get("permissions", {}).values()):
                writers.add(name)
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] == "false", name
    assert writers == {"image", "publish"}


def test_every_release_step_the_workflow_runs_is_one_the_script_has():
    script = (REPO / ".github" / "release.sh").read_text()
    offered = set(re.findall(r"^  (\w+)\) \1 ", script, re.MULTILINE))
    called = {m for path in WORKFLOWS for m in re.findall(r"release\.sh (\w+)", path.read_text())}
    assert called
    assert called <= offered


def test_one_uv_version_everywhere_and_the_floor_below_it():
    def uv_image(text: str) -> str:
        return re.search(r"^ARG UV_IMAGE=\S+:(\S+)$", text, re.MULTILINE)[1]

    pyproject = (REPO / "pyproject.toml").read_text()
    versions = {
        "Dockerfile": uv_image((REPO / "Dockerfile").read_text()),
        "uv_build": re.search(r'"uv_build>=([^,"]+)', pyproject)[1],
    } | {path.name: load(path)["env"]["UV_VERSION"] for path in WORKFLOWS}
    assert len(set(versions.values())) == 1, versions
    floor = re.search(r'^required-version = ">=([^"]+)"$', pyproject, re.MULTILINE)[1]
    version = tuple(map(int, versions["Dockerfile"].split(".")))
    assert tuple(map(int, floor.split("."))) <= version
