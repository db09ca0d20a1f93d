"""Hostile answers: each generated service passes its own checks and builds an image that serves.

Every answer set here is one copier accepts; each lands escaped in every format it reaches.
"""

import json
import tomllib
import uuid

import pytest
import yaml

from .copier import answers, commit_all, copier, leftovers, run
from tests.container.engine import build_image, docker, run_container
from tests.paths import REPO

VARIANTS = {
    "quotes and backslashes": {
        "project_name": 'Ada\'s "Orders" \\ API',
        "description": "Takes 'orders' & \"returns\" \\ *them* <b>now</b> [x](y) # ~~no~~",
        "author_name": 'O\'Brien \\ "Ops" Team',
        "author_email": "ops@example.com",
    },
    "longest names": {
        "project_name": "Enterprise Customer Order Fulfilment Gateway Service Platform",
        "project_slug": "enterprise-customer-order-fulfilment-gateway-servi",
        "package_name": "enterprise_customer_order_fulfilment_gat",
    },
    "digits only": {"project_name": "2048"},
    "an explicit package name": {"project_name": "Orders API", "package_name": "ordering"},
    "a package that sorts after tests": {"project_name": "Zulu Orders"},
    "accented letters": {"project_name": "Café Ördér Sërvice"},
    "one letter, on Python 3.12": {"project_name": "A", "python_version": "3.12"},
}


@pytest.fixture(scope="module", params=list(VARIANTS), ids=list(VARIANTS))
def generated(request, tmp_path_factory):
    data = VARIANTS[request.param]
    target = tmp_path_factory.mktemp("variant") / "service"
    copier("copy", "--vcs-ref=HEAD", *answers(**data), REPO, target, cwd=REPO)
    commit_all(target, "Start from the template")
    return data, target


def answered(project) -> dict:
    """The answers copier recorded, defaults included."""
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def test_every_answer_lands_as_given(generated):
    data, project = generated
    recorded = answered(project)
    metadata = tomllib.loads((project / "pyproject.toml").read_text())
    assert metadata["project"]["name"] == recorded["project_slug"]
    assert metadata["project"]["description"] == recorded["description"]
    assert metadata["project"]["authors"][0]["name"] == recorded["author_name"]
    assert metadata["tool"]["uv"]["build-backend"]["module-name"] == recorded["package_name"]
    assert (project / "src" / recorded["package_name"] / "main.py").is_file()
    devcontainer = json.loads((project / ".devcontainer" / "devcontainer.json").read_text())
    assert devcontainer["name"] == recorded["project_slug"]
    assert leftovers(project) == []
    for key, value in data.items():
        assert recorded[key] == value


def test_the_service_passes_its_own_checks(generated):
    _, project = generated
    # Online: a Python other than the template's may need wheels that uv has not cached yet.
    run("uv", "sync", "--locked", cwd=project)
    run("uv", "run", "--offline", "ruff", "check", ".", cwd=project)
    run("uv", "run", "--offline", "ruff", "format", "--check", ".", cwd=project)
    result = run(
        "uv", "run", "--offline", "pytest", "-q", "-p", "no:cacheprovider",
        "tests/unit", "tests/deploy", "tests/repo", cwd=project,
    )  # fmt: skip
    assert " passed" in result.stdout
    assert "failed" not in result.stdout


def test_the_image_builds_and_serves_the_project_title(generated, engine):
    _, project = generated
    recorded = answered(project)
    tag = f"fut-variant-{uuid.uuid4().hex[:8]}:generated"
    build_image(project, tag)
    container = run_container(tag)
    try:
        container.wait_until_serving()
        assert container.get_json("/items/5?q=x") == (200, {"item_id": 5, "q": "x"})
        _, schema = container.get_json("/openapi.json")
        assert schema["info"]["title"] == recorded["project_name"]
        version = container.exec("python", "-c", "import sys; print(sys.version_info[:2])")
        assert version.strip() == str(tuple(map(int, recorded["python_version"].split("."))))
        assert f"{recorded['package_name']}.access" in container.logs()
    finally:
        container.remove()
        docker("rmi", "--force", tag, check=False)
