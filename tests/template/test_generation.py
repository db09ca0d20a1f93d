"""Generate a service from this repository with copier and check it works under its new names."""

import importlib.metadata
import os
import sys
import tomllib

import pytest
import yaml

from .copier import answers, commit_all, copier, leftovers
from tests.paths import REPO

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
    assert 'newName: "ghcr.io/example-org/my-cool-service-2"' in kustomization
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


def test_scripts_stay_runnable(project):
    # CI runs .github/release.sh as a command, and the tests run it as one too.
    assert os.access(project / ".github" / "release.sh", os.X_OK)


def test_answers_are_recorded_for_updates(project):
    recorded = (project / ".copier-answers.yml").read_text()
    assert "_commit:" in recorded
    assert f"project_name: {PROJECT}" in recorded


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"package_name": "2fast"}, 'package_name: "2fast" is no package name'),
        ({"package_name": "my-service"}, 'package_name: "my-service" is no package name'),
        ({"package_name": "Orders"}, 'package_name: "Orders" is no package name'),
        ({"package_name": ""}, 'package_name: "" is no package name'),
        ({"package_name": "class"}, 'package_name: "class" is a Python keyword'),
        ({"package_name": "json"}, 'package_name: "json" would shadow the module'),
        ({"package_name": "fastapi"}, 'package_name: "fastapi" would shadow the module'),
        ({"package_name": "tests"}, 'package_name: "tests" would shadow the module'),
        ({"package_name": "a" * 41}, "package_name: at most 40 characters"),
        ({"project_name": "   "}, "project_name: the name cannot be empty"),
        ({"project_name": "Two\nlines"}, "project_name: one line of text"),
        ({"project_name": "x" * 71}, "project_name: at most 70 characters"),
        ({"project_name": "--- !!"}, 'project_slug: "--- !!" has no letters or digits'),
        ({"project_name": "Заказы"}, 'project_slug: "Заказы" has no letters or digits'),
        ({"project_slug": "Orders"}, "project_slug: lower-case letters, digits and dashes"),
        ({"project_slug": "a" * 51}, "project_slug: at most 50 characters"),
        ({"description": "One\ntwo"}, "description: one line of text"),
        ({"author_email": "nobody"}, 'author_email: "nobody" is no e-mail address'),
        ({"repository": "no-slash"}, "repository: expected owner/name"),
        ({"image_name": "ghcr.io/Org/App"}, 'image_name: "ghcr.io/Org/App" is no image name'),
        ({"image_name": "ghcr.io/org/app:1.0"}, "is no image name: lower case"),
    ],
)
def test_bad_answers_are_refused_at_their_question(tmp_path, data, message):
    data = {"project_name": "Fine Name", **data}
    result = copier("copy", "--vcs-ref=HEAD", *answers(**data), REPO, tmp_path / "out",
                    cwd=REPO, check=False)  # fmt: skip
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not (tmp_path / "out" / "pyproject.toml").exists()


def test_a_name_in_another_script_works_with_a_slug_given(tmp_path):
    copier("copy", "--vcs-ref=HEAD", *answers(project_name="Заказы", project_slug="orders"),
           REPO, tmp_path / "out", cwd=REPO)  # fmt: skip
    metadata = tomllib.loads((tmp_path / "out" / "pyproject.toml").read_text())["project"]
    assert metadata["name"] == "orders"
    assert (tmp_path / "out" / "README.md").read_text().startswith("# Заказы\n")


def test_the_reserved_module_names_are_complete():
    """Every module the standard library or a locked dependency provides is refused."""
    config = yaml.safe_load((REPO / "copier.yml").read_text())
    reserved = set(config["reserved_modules"]["default"])
    provided = {name for name in sys.stdlib_module_names if not name.startswith("_")}
    for dist in importlib.metadata.distributions():
        for path in dist.files or []:
            top = path.parts[0]
            if len(path.parts) > 1 and top.isidentifier() and not top.startswith("_"):
                provided.add(top)
            elif path.suffix == ".py" and len(path.parts) == 1 and not top.startswith("_"):
                provided.add(path.stem)
    assert provided - reserved == set()


def test_lines_naming_the_package_leave_room_for_the_longest_name():
    # Package names may have 40 characters; the template's has 19. A longer line would break
    # ruff (line length, import wrapping) in a generated service (tests/template/test_combinations).
    room = 100 - (40 - len("fastapi_uv_template"))
    long_lines = [
        f"{path.relative_to(REPO)}:{number}"
        for folder in ("src", "tests/unit", "tests/deploy", "tests/repo", "tests/container")
        for path in (REPO / folder).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "fastapi_uv_template" in line and len(line) > room
    ]
    assert long_lines == []
