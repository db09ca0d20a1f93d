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
    # The weekly rebuild on fresh base images.
    assert triggers["schedule"][0]["cron"]


def job_steps(job: str) -> list[dict]:
    return steps(load(CI)["jobs"][job])


def uses(step: dict, action: str) -> bool:
    return step.get("uses", "").startswith(f"{action}@")


def test_every_offline_test_folder_and_the_audit_run_in_the_checks_job():
    commands = " ".join(step.get("run", "") for step in job_steps("checks"))
    # Every folder but the engine's (the image job's) and the template's own (.ci/run's).
    folders = {path.name for path in (REPO / "tests").iterdir() if (path / "__init__.py").exists()}
    offline = folders - {"container", "template", "bench"}
    assert offline >= {"unit", "repo", "deploy"}
    for folder in offline:
        assert f"tests/{folder}" in commands
    assert "--cov" in commands
    assert "uv audit --locked" in commands


def test_each_platform_is_tested_then_exactly_those_bytes_are_pushed():
    job = load(CI)["jobs"]["image"]
    assert {entry["arch"] for entry in job["strategy"]["matrix"]["include"]} == {"amd64", "arm64"}
    sequence = steps(job)
    build, push = [s for s in sequence if uses(s, "docker/build-push-action")]
    (tests,) = [s for s in sequence if "pytest tests/container" in s.get("run", "")]
    (verify,) = [s for s in sequence if "release.sh verify" in s.get("run", "")]
    (upload,) = [s for s in sequence if uses(s, "actions/upload-artifact")]
    assert [sequence.index(s) for s in (build, tests, push, verify, upload)] == sorted(
        sequence.index(s) for s in (build, tests, push, verify, upload)
    )
    assert build["with"]["load"] == "true"
    assert build["with"]["tags"] == "${{ env.TEST_IMAGE }}"
    assert tests["env"]["CI"] == "true"  # a missing engine fails instead of skipping
    # Each platform its own cache, read and written.
    assert "scope=image-${{ matrix.arch }}" in build["with"]["cache-from"]
    assert "scope=image-${{ matrix.arch }}" in build["with"]["cache-to"]
    # The push is untagged, by digest; the verified digest is that push's.
    assert "push-by-digest=true" in push["with"]["outputs"]
    assert "tags" not in push["with"]
    assert verify["env"]["DIGEST"] == "${{ steps.push.outputs.digest }}"
    for step in (push, verify, upload):
        assert step["if"] == "env.PUBLISH == 'true'"
    assert job["env"]["PUBLISH"] == "${{ github.event_name != 'pull_request' }}"


def test_an_emulated_arm64_build_is_at_least_started_and_probed():
    sequence = job_steps("image")
    emulated = [s for s in sequence if s.get("if") == "matrix.runner == 'emulated'"]
    assert any(uses(s, "docker/setup-qemu-action") for s in emulated)
    assert any("release.sh probe" in s.get("run", "") for s in emulated)
    (tests,) = [s for s in sequence if "pytest tests/container" in s.get("run", "")]
    assert tests["if"] == "matrix.runner != 'emulated'"


def test_publish_tags_the_tested_digests_and_attests_the_result():
    workflow = load(CI)
    job = workflow["jobs"]["publish"]
    assert job["if"] == "github.event_name != 'pull_request'"
    assert set(job["needs"]) == {"checks", "image"}
    sequence = steps(job)
    (download,) = [s for s in sequence if uses(s, "actions/download-artifact")]
    (publish,) = [s for s in sequence if "release.sh publish" in s.get("run", "")]
    (attest,) = [s for s in sequence if uses(s, "actions/attest")]
    assert download["with"]["pattern"] == "digest-*"
    assert attest["with"]["subject-digest"] == f"${{{{ steps.{publish['id']}.outputs.digest }}}}"
    assert attest["continue-on-error"] == "true"
    (notice,) = [s for s in sequence if s.get("if") == "steps.attest.outcome == 'failure'"]
    assert "::notice" in notice["run"]
    meta = next(s for s in sequence if uses(s, "docker/metadata-action"))
    # The image name derives from the repository, so a copy of the template needs no edits.
    naming = next(s for s in sequence if s.get("id") == "image")
    assert "GITHUB_REPOSITORY" in naming["run"]
    assert meta["with"]["images"] == "${{ steps.image.outputs.name }}"


def test_every_release_step_the_workflow_runs_is_one_the_script_has():
    script = (REPO / ".github" / "release.sh").read_text()
    offered = set(re.findall(r"^  (\w+)\) \1 ", script, re.MULTILINE))
    called = set(re.findall(r"release\.sh (\w+)", CI.read_text()))
    assert called == offered == {"verify", "probe", "publish"}


def test_only_the_image_and_publish_jobs_may_write_and_only_what_they_need():
    for name, job in load(CI)["jobs"].items():
        permissions = job.get("permissions", {})
        if name == "image":
            assert permissions == {"contents": "read", "packages": "write"}
        elif name == "publish":
            assert permissions == {
                "contents": "read",
                "packages": "write",
                "id-token": "write",
                "attestations": "write",
                "artifact-metadata": "write",
            }
        else:
            assert permissions == {}, name


def test_shell_scripts_pass_shellcheck_and_the_workflow_passes_actionlint():
    scripts = [REPO / ".github" / "release.sh"]
    if (REPO / ".ci" / "run").exists():  # the template's own CI entry; a generated service has none
        scripts.append(REPO / ".ci" / "run")
    result = tool("shellcheck", *scripts)
    assert result.returncode == 0, result.stdout
    # actionlint checks the expressions and, with shellcheck on PATH, every `run:` script.
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        [TOOLS / "actionlint", *WORKFLOWS], cwd=REPO, capture_output=True, text=True, env=env,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_covers_uv_and_actions_with_groups_and_cooldown():
    config = load(REPO / ".github" / "dependabot.yml")
    ecosystems = {update["package-ecosystem"]: update for update in config["updates"]}
    # Not docker: Dependabot cannot read base images from ARG defaults (dependabot-core#2057);
    # the weekly rebuild keeps them patched instead.
    assert set(ecosystems) == {"uv", "github-actions"}
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


def uv_image_version(dockerfile: Path) -> str:
    return re.search(r"^ARG UV_IMAGE=\S+:(\S+)$", dockerfile.read_text(), re.M)[1]


def uv_versions() -> dict[str, str]:
    """Every place that names the uv version, and the version it names."""
    readme, pyproject = ((REPO / name).read_text() for name in ("README.md", "pyproject.toml"))
    versions = {
        "Dockerfile": uv_image_version(REPO / "Dockerfile"),
        "workflow": load(CI)["env"]["UV_VERSION"],
        "README": re.search(r"uv\]\([^)]+\) (\S+) or newer", readme)[1],
        "uv_build": re.search(r'"uv_build>=([^,"]+)', pyproject)[1],
    }
    # The template's CI harness and benchmark; a generated service has neither.
    if (ci_run := REPO / ".ci" / "run").exists():
        versions[".ci/run"] = re.search(r"^UV_VERSION=(\S+)$", ci_run.read_text(), re.M)[1]
    if (example := REPO / "bench" / "uv-example.Dockerfile").exists():
        versions["bench/uv-example.Dockerfile"] = uv_image_version(example)
    return versions


def test_one_uv_version_everywhere():
    # Dependabot bumps the lock and the actions; the uv version moves here, in every place at once.
    versions = uv_versions()
    assert len(set(versions.values())) == 1, versions


def required_version() -> str:
    pyproject = (REPO / "pyproject.toml").read_text()
    return re.search(r'^required-version = ">=([^"]+)"$', pyproject, re.MULTILINE)[1]


def test_the_uv_floor_is_below_the_pinned_uv():
    floor = tuple(map(int, required_version().split(".")))
    (pinned,) = set(uv_versions().values())
    assert floor <= tuple(map(int, pinned.split(".")))
    readme = " ".join((REPO / "README.md").read_text().split())
    assert f"{required_version()} is the oldest that reads this project's settings" in readme


def test_the_oldest_uv_allowed_reads_every_setting_and_keeps_the_lock():
    # That uv, from the package index, on the project as it is: no setting it cannot read, and
    # the lock stays as it is (`--check` writes nothing).
    floor = required_version()
    result = subprocess.run(
        ["uv", "tool", "run", "--from", f"uv=={floor}", "uv", "lock", "--check", "--offline"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr.lower(), result.stderr
