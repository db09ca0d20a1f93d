"""Generate a service from this repository with copier and check it works under its new names."""

import tomllib
import uuid

import pytest

from tests.container.engine import build_image, docker, run_container
from tests.paths import REPO

from .copier import answers, commit_all, copier, leftovers, run

# Spaces, capitals, a dash and a digit after the first character.
PROJECT = "My Cool-Service 2"
SLUG, PACKAGE = "my-cool-service-2", "my_cool_service_2"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    target = tmp_path_factory.mktemp("generated") / SLUG
    copier(
        "copy", "--vcs-ref=HEAD",
        *answers(project_name=PROJECT, description="Orders, 'quoted' & \"double\".",
                 author_name="Ada Lovelace", author_email="ada@example.com",
                 repository="Example-Org/My-Cool-Service-2"),
        REPO, target, cwd=REPO,
    )  # fmt: skip
    commit_all(target, "Start from the template")
    return target


def test_names_follow_the_answers(project):
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata["name"] == SLUG
    assert metadata["description"] == "Orders, 'quoted' & \"double\"."
    assert metadata["authors"] == [{"name": "Ada Lovelace", "email": "ada@example.com"}]
    assert metadata["scripts"]["prestart"] == f"{PACKAGE}.prestart:main"
    assert (project / "src" / PACKAGE / "main.py").is_file()
    assert f'"{PACKAGE}.main:app"' in (project / "Dockerfile").read_text()
    assert (project / "README.md").read_text().startswith(f"# {PROJECT}\n")
    kustomization = (project / "deploy" / "kubernetes" / "kustomization.yaml").read_text()
    assert "newName: ghcr.io/example-org/my-cool-service-2" in kustomization
    assert f'name = "{SLUG}"' in (project / "uv.lock").read_text()


def test_no_trace_of_the_template_name_remains(project):
    assert leftovers(project) == []


def test_template_only_files_stay_behind(project):
    for name in ("copier.yml", ".copier", ".ci", "tests/template"):
        assert not (project / name).exists(), name
    assert not [p for p in project.iterdir() if "{{" in p.name]
    readme = (project / "README.md").read_text()
    assert "Start a new service" not in readme
    assert "template-only" not in readme


def test_answers_are_recorded_for_updates(project):
    recorded = (project / ".copier-answers.yml").read_text()
    assert "_commit:" in recorded
    assert f"project_name: {PROJECT}" in recorded


def test_locked_sync_needs_no_network_and_the_checks_pass(project):
    run("uv", "sync", "--locked", "--offline", cwd=project)
    run("uv", "run", "--offline", "ruff", "check", ".", cwd=project)
    run("uv", "run", "--offline", "ruff", "format", "--check", ".", cwd=project)
    result = run(
        "uv", "run", "--offline", "pytest", "-q", "-p", "no:cacheprovider",
        "tests/unit", "tests/deploy", "tests/repo", cwd=project,
    )  # fmt: skip
    assert " passed" in result.stdout
    assert "failed" not in result.stdout


def test_the_generated_image_builds_and_serves(project, engine):
    tag = f"{SLUG}:generated-{uuid.uuid4().hex[:8]}"
    build_image(project, tag)
    container = run_container(tag)
    try:
        container.wait_until_serving()
        assert container.get_json("/items/5?q=x") == (200, {"item_id": 5, "q": "x"})
        assert f"{PACKAGE}.access" in container.logs()
    finally:
        container.remove()
        docker("rmi", "--force", tag, check=False)


@pytest.fixture(scope="module")
def py312(tmp_path_factory):
    target = tmp_path_factory.mktemp("py312") / "py-twelve"
    copier("copy", "--vcs-ref=HEAD", *answers(project_name="Py Twelve", python_version="3.12"),
           REPO, target, cwd=REPO)  # fmt: skip
    return target


def test_python_312_is_a_choice(py312):
    assert (py312 / ".python-version").read_text() == "3.12\n"
    dockerfile = (py312 / "Dockerfile").read_text()
    assert "ARG PYTHON_IMAGE=python:3.12-slim" in dockerfile
    run("uv", "lock", "--check", "--offline", cwd=py312)


def test_the_python_312_image_runs_its_code_on_312(py312, engine):
    tag = f"py-twelve:generated-{uuid.uuid4().hex[:8]}"
    build_image(py312, tag)
    try:
        result = docker(
            "run", "--rm", tag, "python", "-c",
            "import sys, py_twelve.main as m; print(sys.version_info[:2], m.__file__)",
        )  # fmt: skip
        assert result.stdout.split() == [
            "(3,", "12)", "/app/.venv/lib/python3.12/site-packages/py_twelve/main.py",
        ]  # fmt: skip
    finally:
        docker("rmi", "--force", tag, check=False)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"package_name": "2fast"}, "is not a valid Python identifier"),
        ({"package_name": "my-service"}, "is not a valid Python identifier"),
        ({"package_name": "class"}, "is a Python keyword"),
        ({"package_name": ""}, "cannot be empty"),
        ({"project_name": "--- !!"}, "needs at least one letter or digit"),
        ({"repository": "no-slash"}, "Expected owner/name"),
    ],
)
def test_bad_answers_are_refused_with_the_reason(tmp_path, data, message):
    data = {"project_name": "Fine Name", **data}
    result = copier("copy", "--vcs-ref=HEAD", *answers(**data), REPO, tmp_path / "out",
                    cwd=REPO, check=False)  # fmt: skip
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not (tmp_path / "out" / "pyproject.toml").exists()
