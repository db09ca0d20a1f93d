"""Hostile answers: each generated service passes its own checks and builds an image that serves.

Every answer set here is one copier accepts; each lands escaped in every format it reaches.
"""

import json
import tomllib
import uuid

import pytest
import yaml

from .generation import HOOKS_TEST, TEMPLATE_NAMES, generate, leftovers, run
from tests.support.engine import build_image, docker, run_container

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
    "digits only, on Python 3.12": {"project_name": "2048", "python_version": "3.12"},
    "one letter, a package given that sorts after tests": {
        "project_name": "Z",
        "package_name": "zulu_orders",
    },
    # Accents, a typographic apostrophe and dash, CJK and an emoji (escaped: this file's ruff
    # checks too).
    "accents, look-alike and wide characters": {
        "project_name": "Caf\u00e9 \u00d6rd\u00e9r \u2013 Zo\u00eb\u2019s \u6ce8\u6587 \U0001f600"
    },
    # Accents typed decomposed (NFD), and the template's own names in free text.
    "decomposed accents, the template's names in the answers": {
        "project_name": "Re\u0301sume\u0301 Orders",
        "description": "Started from fastapi-uv-template, kept as written.",
    },
}


# The answers that change what the image serves: the title (escaped in Python source), the Python.
SERVED = [
    "quotes and backslashes",
    "digits only, on Python 3.12",
    "accents, look-alike and wide characters",
]
every_variant = pytest.mark.parametrize("generated", list(VARIANTS), indirect=True)


@pytest.fixture(scope="module")
def generated(request, tmp_path_factory):
    data = VARIANTS[request.param]
    return data, generate(tmp_path_factory.mktemp("variant") / "service", **data)


def answered(project) -> dict:
    """The answers copier recorded, defaults included."""
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


@every_variant
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
    # Only where an answer itself names the template (the description, in two files).
    named = [word for word in TEMPLATE_NAMES if word in data.get("description", "")]
    assert leftovers(project) == [
        f"{f}: {w}" for f in ("README.md", "pyproject.toml") for w in named
    ]
    for key, value in data.items():
        assert recorded[key] == value


@pytest.mark.parametrize(
    "generated", ["decomposed accents, the template's names in the answers"], indirect=True
)
def test_decomposed_accents_give_plain_letters_in_the_names(generated):
    assert answered(generated[1])["project_slug"] == "resume-orders"


@every_variant
def test_the_service_passes_its_own_checks(generated):
    _, project = generated
    # Its suite but the image (built below) and the hooks' run: of those linters, ruff is the one
    # that sees what an answer writes (names, escaped text), so it runs here directly;
    # test_service.py runs every hook on a generated service.
    result = run("uv", "run", "--locked", "pytest", "-q", "-p", "no:cacheprovider",
                 "-m", "not container", "--deselect", HOOKS_TEST, cwd=project)  # fmt: skip
    assert " passed" in result.stdout
    for lint in (["check", "."], ["format", "--check", "."]):
        run("uv", "run", "--locked", "ruff", *lint, cwd=project)


@pytest.mark.parametrize("generated", SERVED, indirect=True)
def test_the_image_builds_and_serves_the_project_title(generated, engine):
    _, project = generated
    recorded = answered(project)
    tag = f"variant-{uuid.uuid4().hex[:8]}:generated"
    build_image(project, tag)
    container = run_container(tag)
    try:
        container.wait_until_serving()
        _, schema = container.get_json("/openapi.json")
        assert schema["info"]["title"] == recorded["project_name"]
        assert schema["info"]["description"] == recorded["description"]
        version = container.exec("python", "-c", "import sys; print(sys.version_info[:2])")
        assert version.strip() == str(tuple(map(int, recorded["python_version"].split("."))))
        assert f"{recorded['package_name']}.access" in container.logs()
    finally:
        container.remove()
        docker("rmi", "--force", tag, check=False)
