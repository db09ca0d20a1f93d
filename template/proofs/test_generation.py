"""Generate a service from this repository with copier: names follow the answers, nothing of the
template's own comes along, and answers that cannot work are refused, each with one line."""

import os
import tomllib

import pytest

from .generation import TEMPLATE_WORDS, answers, copier, generate, leftovers, typed
from tests.support.paths import REPO

# Spaces, capitals, a dash and a digit after the first character.
PROJECT = "My Cool-Service 2"
SLUG, PACKAGE = "my-cool-service-2", "my_cool_service_2"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return generate(
        tmp_path_factory.mktemp("generated") / SLUG,
        project_name=PROJECT, description="Orders, 'quoted' & \"double\".",
        author_name="Ada Lovelace", author_email="ada@example.com",
        repository="Example-Org/My-Cool-Service-2",
    )  # fmt: skip


def test_the_defaults_alone_make_a_service(tmp_path):
    service = generate(tmp_path / "service")
    metadata = tomllib.loads((service / "pyproject.toml").read_text())["project"]
    assert metadata["name"] == "my-service"
    assert (service / "src" / "my_service" / "main.py").is_file()


def test_names_follow_the_answers(project):
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata["name"] == SLUG
    assert metadata["description"] == "Orders, 'quoted' & \"double\"."
    assert metadata["authors"] == [{"name": "Ada Lovelace", "email": "ada@example.com"}]
    assert metadata["scripts"]["prestart"] == f"{PACKAGE}.core.prestart:main"
    assert (project / "src" / PACKAGE / "main.py").is_file()
    assert f'"{PACKAGE}.main:app"' in (project / "Dockerfile").read_text()
    assert (project / "README.md").read_text().startswith(f"# {PROJECT}\n")
    kustomization = (project / "deploy" / "kubernetes" / "kustomization.yaml").read_text()
    assert 'newName: "ghcr.io/example-org/my-cool-service-2"' in kustomization
    assert f'name = "{SLUG}"' in (project / "uv.lock").read_text()
    assert "_commit:" in (project / ".copier-answers.yml").read_text()


def test_nothing_of_the_template_comes_along(project):
    assert leftovers(project) == []
    assert leftovers(project, TEMPLATE_WORDS) == []
    for name in ("copier.yml", "template", ".ci", ".github/workflows/template.yml"):
        assert not (project / name).exists(), name
    assert not [p for p in project.iterdir() if "{{" in p.name]
    assert "template-only" not in (project / "README.md").read_text()


def test_scripts_stay_runnable(project):
    # CI runs .github/release.sh as a command.
    assert os.access(project / ".github" / "release.sh", os.X_OK)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"package_name": "2fast"}, 'package_name: "2fast" is no package name'),
        ({"package_name": "my-service"}, 'package_name: "my-service" is no package name'),
        ({"package_name": ""}, 'package_name: "" is no package name'),
        ({"package_name": "a" * 41}, "package_name: at most 40 characters"),
        ({"package_name": "class"}, 'package_name: "class" is no importable name'),
        ({"package_name": "json"}, 'package_name: "json" would shadow the standard library'),
        ({"package_name": "tests"}, 'package_name: "tests" is the name of the service\'s test'),
        ({"package_name": "yaml"}, 'package_name: "yaml" would shadow the module of PyYAML'),
        ({"project_name": "   "}, "project_name: the name cannot be empty"),
        ({"project_name": "Two\nlines"}, "project_name: one line of text"),
        ({"project_name": "x" * 71}, "project_name: at most 70 characters"),
        ({"project_slug": ""}, "project_slug: the name cannot be empty"),
        ({"project_slug": "Orders"}, "project_slug: lower-case letters, digits and dashes"),
        ({"project_slug": "a" * 51}, "project_slug: at most 50 characters"),
        ({"description": "One\ntwo"}, "description: one line of text"),
        ({"author_email": "nobody"}, 'author_email: "nobody" is no e-mail address'),
        ({"author_email": "a;b@example.com"}, '"a;b@example.com" is no e-mail address'),
        ({"author_name": "Doe, Jane"}, "author_name: no comma"),
        ({"project_name": "PyYAML"}, 'project_slug: "pyyaml" is the name of a dependency'),
        ({"project_name": "FastAPI", "package_name": "api"}, 'project_slug: "fastapi" is the name'),
        ({"project_name": "Two\u2028lines"}, "project_name: one line of text"),
        ({"description": "One\x85two"}, "description: one line of text"),
        ({"repository": "no-slash"}, "repository: expected owner/name"),
        ({"repository": "../.."}, 'repository: expected owner/name, got "../.."'),
        ({"image_name": "ghcr.io/Org/App"}, 'image_name: "ghcr.io/Org/App" is no image name'),
        ({"image_name": "ghcr.io/org/app:1.0"}, "is no image name: lower case"),
    ],
)
def test_bad_answers_are_refused_with_one_line_naming_the_question(tmp_path, data, message):
    result = copier("copy", "--vcs-ref=HEAD", *answers(**data), REPO, tmp_path / "out",
                    cwd=REPO, check=False)  # fmt: skip
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not (tmp_path / "out" / "pyproject.toml").exists()


def test_typed_in_a_terminal_every_default_offered_is_one_that_works(tmp_path):
    # A name without Latin letters (its slug falls back), a repository refused at its prompt and
    # one whose image name needs making valid; every other question answered with Enter.
    command = ["copy", "--trust", "--vcs-ref=HEAD", REPO, tmp_path / "out"]
    code, shown = typed(REPO, command, "Заказы", "", "", "", "", "", "../..", "Acme/Orders_")
    assert code == 0, shown[-3000:]
    assert 'repository: expected owner/name, got "../.."' in shown
    service = tmp_path / "out"
    assert tomllib.loads((service / "pyproject.toml").read_text())["project"]["name"] == "service"
    assert (service / "README.md").read_text().startswith("# Заказы\n")
    kustomization = (service / "deploy" / "kubernetes" / "kustomization.yaml").read_text()
    assert 'newName: "ghcr.io/acme/orders"' in kustomization


def test_a_name_in_another_script_works_with_a_slug_given(tmp_path):
    service = generate(tmp_path / "out", project_name="Заказы", project_slug="orders")
    metadata = tomllib.loads((service / "pyproject.toml").read_text())["project"]
    assert metadata["name"] == "orders"
    assert (service / "README.md").read_text().startswith("# Заказы\n")


def test_lines_naming_the_package_leave_room_for_the_longest_name():
    # Package names may have 40 characters; the template's has 19. A longer line would break
    # ruff (line length, import wrapping) in a generated service (test_answers.py).
    room = 100 - (40 - len("fastapi_uv_template"))
    long_lines = [
        f"{path.relative_to(REPO)}:{number}"
        for folder in ("src", "tests")
        for path in (REPO / folder).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "fastapi_uv_template" in line and len(line) > room
    ]
    assert long_lines == []
