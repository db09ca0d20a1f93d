"""GitHub Actions cannot run here, so these checks keep the CI configuration honest offline."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.container.engine import repository_copy
from tests.paths import REPO, TOOLS

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
CI = REPO / ".github" / "workflows" / "ci.yml"


def tool(name: str, *args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(TOOLS / name), *map(str, args)], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def load(path: Path) -> dict:
    # PyYAML reads the key `on` as True; BaseLoader keeps every key and value a string.
    return yaml.load(path.read_text(), Loader=yaml.BaseLoader)  # noqa: S506


def steps(job: dict) -> list[dict]:
    return job["steps"]


def test_there_are_workflows():
    assert CI in WORKFLOWS


@pytest.mark.parametrize(
    ("schema", "paths"),
    [
        ("vendor.github-workflows", WORKFLOWS),
        ("vendor.dependabot", [REPO / ".github" / "dependabot.yml"]),
    ],
)
def test_files_match_their_schema(schema, paths):
    result = tool("check-jsonschema", "--builtin-schema", schema, *paths)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_at_medium_or_above():
    result = tool("zizmor", "--offline", "--min-severity", "medium", ".github")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_zizmor_ignore_says_why():
    for path in WORKFLOWS:
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if "zizmor: ignore" in line:
                assert lines[number - 1].strip().startswith("#"), f"{path.name}:{number + 1}"


def test_hadolint_passes_on_the_dockerfile():
    result = tool("hadolint", "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_action_is_pinned_to_a_commit_with_its_version_beside_it():
    uses = re.compile(r"uses:\s*(\S+)(.*)$")
    found = 0
    for path in WORKFLOWS:
        for line in path.read_text().splitlines():
            if match := uses.search(line):
                reference, comment = match.groups()
                found += 1
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", reference), line
                assert re.match(r"\s*# v\d+\.\d+\.\d+", comment), line
    assert found > 0


def test_workflow_defaults_are_safe():
    for path in WORKFLOWS:
        workflow = load(path)
        assert workflow["permissions"] == {"contents": "read"}, path.name
        assert "concurrency" in workflow, path.name
        for name, job in workflow["jobs"].items():
            assert int(job["timeout-minutes"]) <= 60, f"{path.name}: {name}"
            for step in steps(job):
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] == "false", f"{path.name}: {name}"


def test_ci_runs_on_pull_requests_main_and_version_tags():
    triggers = load(CI)["on"]
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["push"]["tags"] == ["v*"]


def test_image_job_builds_once_and_runs_the_local_container_tests_against_it():
    workflow = load(CI)
    job = workflow["jobs"]["image"]
    (build,) = [s for s in steps(job) if s.get("uses", "").startswith("docker/build-push-action@")]
    assert build["with"]["load"] == "true"
    assert build["with"]["cache-from"] == "type=gha"
    assert build["with"]["cache-to"].startswith("type=gha")
    assert build["with"]["tags"] == "${{ env.TEST_IMAGE }}"
    assert workflow["env"]["TEST_IMAGE"]  # the tests read TEST_IMAGE and skip their own build
    (smoke,) = [s for s in steps(job) if "pytest" in s.get("run", "")]
    assert smoke["run"].split()[-1] == "tests/container"
    assert smoke["env"]["CI"] == "true"  # a missing engine fails instead of skipping
    index = steps(job).index
    assert index(build) < index(smoke)


def test_push_job_cannot_run_on_pull_requests_and_waits_for_every_check():
    job = load(CI)["jobs"]["push"]
    assert job["if"] == "github.event_name == 'push'"
    assert set(job["needs"]) == {"lint", "test", "image"}


def test_only_the_push_job_may_write_packages_and_attestations():
    for name, job in load(CI)["jobs"].items():
        permissions = job.get("permissions", {})
        if name == "push":
            assert permissions == {
                "contents": "read",
                "packages": "write",
                "id-token": "write",
                "attestations": "write",
                "artifact-metadata": "write",
            }
        else:
            assert permissions == {}, name


def test_push_job_publishes_multi_arch_with_sbom_provenance_and_attestation():
    job = load(CI)["jobs"]["push"]
    by_action = {s["uses"].split("@")[0]: s for s in steps(job) if "uses" in s}
    build = by_action["docker/build-push-action"]["with"]
    assert build["push"] == "true"
    assert set(build["platforms"].split(",")) == {"linux/amd64", "linux/arm64"}
    assert build["sbom"] == "true"
    assert build["provenance"].startswith("mode=max")
    assert build["tags"] == "${{ steps.meta.outputs.tags }}"
    tags = by_action["docker/metadata-action"]["with"]["tags"]
    assert "type=semver" in tags
    assert "type=sha" in tags
    assert "type=ref,event=branch" in tags  # the moving `main` tag
    assert by_action["docker/login-action"]["with"]["registry"] == "ghcr.io"
    attest = by_action["actions/attest"]["with"]
    assert attest["subject-digest"] == "${{ steps.push.outputs.digest }}"
    assert attest["push-to-registry"] == "true"
    # The image name derives from the repository, so a copy of the template needs no edits.
    naming = next(s for s in steps(job) if s.get("id") == "image")
    assert "GITHUB_REPOSITORY" in naming["run"]
    assert (
        by_action["docker/metadata-action"]["with"]["images"] == "${{ steps.image.outputs.name }}"
    )


def test_dependabot_covers_uv_docker_and_actions_with_groups_and_cooldown():
    config = load(REPO / ".github" / "dependabot.yml")
    ecosystems = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(ecosystems) == {"uv", "docker", "github-actions"}
    for update in ecosystems.values():
        assert update["groups"]
        assert int(update["cooldown"]["default-days"]) > 0


def test_pre_commit_hooks_are_valid_and_pass(tmp_path):
    assert tool("prek", "validate-config", ".pre-commit-config.yaml").returncode == 0
    # In a copy: the hooks fix and format files, and must never touch the developer's tree.
    copy = repository_copy(tmp_path / "repository")
    env = {
        **os.environ,
        # The hooks' `uv run` uses this environment's tools as they are, installing nothing.
        "UV_PROJECT_ENVIRONMENT": sys.prefix,
        "UV_NO_SYNC": "1",
        "PREK_HOME": str(tmp_path / "prek"),
    }
    result = subprocess.run(
        [TOOLS / "prek", "run", "--all-files"], cwd=copy, env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def uv_versions() -> dict[str, str]:
    """Every place that names the uv version, and the version it names."""
    dockerfile, readme, pyproject = (
        (REPO / name).read_text() for name in ("Dockerfile", "README.md", "pyproject.toml")
    )
    versions = {
        "Dockerfile": re.search(r"^ARG UV_IMAGE=\S+:(\S+)$", dockerfile, re.M)[1],
        "workflow": load(CI)["env"]["UV_VERSION"],
        "README": re.search(r"uv\]\([^)]+\) (\S+) or newer", readme)[1],
        "uv_build": re.search(r'"uv_build>=([^,"]+)', pyproject)[1],
        "required-version": re.search(r'required-version = ">=([^"]+)"', pyproject)[1],
    }
    # The template's CI harness; a generated service has none.
    if (ci_run := REPO / ".ci" / "run").exists():
        versions[".ci/run"] = re.search(r"^UV_VERSION=(\S+)$", ci_run.read_text(), re.M)[1]
    return versions


def test_one_uv_version_everywhere():
    # Dependabot bumps the lock and the actions; the uv version moves here, in every place at once.
    versions = uv_versions()
    assert len(set(versions.values())) == 1, versions
