"""The repository's own rules, which no linter knows: pins, least privilege, one uv version, a
current lock; and the linters themselves, run once through the pre-commit hooks."""

import os
import re
import subprocess
import tomllib
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


def test_every_action_is_pinned_to_a_commit_and_every_helper_image_to_a_digest():
    text = "\n".join(path.read_text() for path in WORKFLOWS)
    pins = re.findall(r"uses:\s*([^.\s]\S+)(.*)$", text, re.MULTILINE)  # not ./ (this repository)
    assert pins
    for reference, comment in pins:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", reference), reference
        assert re.match(r"\s*# v\d+\.\d+\.\d+", comment), reference
    images = re.findall(r"\bimage[:=]\s*(\S+)$", text, re.MULTILINE)
    assert images
    assert all(re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", i) for i in images), images


def test_workflows_read_only_by_default_and_only_publishing_jobs_write():
    writers = set()
    for path in WORKFLOWS:
        workflow = load(path)
        # A workflow that only other workflows call runs with its caller's permissions.
        called = set(workflow["on"]) == {"workflow_call"}
        assert workflow.get("permissions") == (None if called else {"contents": "read"}), path.name
        for name, job in workflow["jobs"].items():
            if any(scope == "write" for scope in job.get("permissions", {}).values()):
                writers.add(name)
            if "uses" in job:  # a call of another workflow: its jobs are checked in its file
                continue
            assert int(job["timeout-minutes"]) <= 60, name
            for step in job["steps"]:
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] == "false", name
    assert writers == {"image", "publish", "refresh-release", "refresh-main"}


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
    installs = {path.name: load(path)["env"] for path in WORKFLOWS if "env" in load(path)}
    versions = {
        "Dockerfile": uv_image((REPO / "Dockerfile").read_text()),
        "uv_build": re.search(r'"uv_build>=([^,"]+)', pyproject)[1],
    } | {name: env["UV_VERSION"] for name, env in installs.items()}
    assert len(set(versions.values())) == 1, versions
    # Every workflow checks the wheel it installs against the same hashes.
    assert len({env.get("UV_HASHES") for env in installs.values()}) == 1, installs
    floor = re.search(r'^required-version = ">=([^"]+)"$', pyproject, re.MULTILINE)[1]
    version = tuple(map(int, versions["Dockerfile"].split(".")))
    assert tuple(map(int, floor.split("."))) <= version


def test_every_locked_package_installs_on_arm64_from_a_wheel():
    """The arm64 CI leg installs the whole lock: a source build there needs a compiler."""
    lock = tomllib.loads((REPO / "uv.lock").read_text())["package"]
    wheels = {
        p["name"]: [w["url"] for w in p.get("wheels", [])]
        for p in lock
        if "registry" in p["source"]
    }
    arm64 = re.compile(r"-(none-any|.*manylinux.*aarch64.*)\.whl$")
    assert wheels
    assert [name for name, urls in wheels.items() if not any(map(arm64.search, urls))] == []
