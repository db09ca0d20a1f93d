"""The `database` question (template/options/): the postgresql service passes its whole suite,
its image and a real PostgreSQL included, and the default service holds no trace of the option."""

import filecmp
import json
import shutil
import subprocess
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml
from template.options import created, patches
from template.support import compose, https, production_override

from .generation import generate, suite
from .tls import make_certificate
from tests.support.engine import build_image, docker, poll, repository_copy, unique

pytestmark = pytest.mark.container
PACKAGE = "fastapi_uv_template"  # the template's own package name, in the patches' paths


# The stand-in for the postgres image reads no *_FILE variable: it gets the password the secret
# file holds as a variable, while the app's services read the secret file as shipped.
DATABASE_OVERRIDE = """
services:
  db:
    environment: !override
      POSTGRES_USER: app
      POSTGRES_DB: app
      POSTGRES_PASSWORD: "{password}"
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("postgresql") / "orders"
    return generate(target, database="postgresql", project_name="Orders API")


# compose.yaml's published ports moved to free loopback ports, out of other runs' way.
FREE_PORTS = """
services:
  web:
    ports: !override ["127.0.0.1::8000"]
  db:
    ports: !override ["127.0.0.1::5432"]
"""


def test_the_postgresql_service_passes_its_whole_suite(service):
    outcome, seconds = suite(service, CI="true")
    print(f"postgresql service: {outcome} ({seconds:.0f} s)")
    assert "skipped" not in outcome


def test_its_production_stack_migrates_then_stores_items_behind_the_proxy(service, tmp_path):
    image, secret = unique("orders") + ":test", "production-like-secret"
    build_image(service, image)
    certs, password = tmp_path / "certs", tmp_path / "database-password"
    certs.mkdir()
    ca = make_certificate(certs)
    password.write_text(f"{secret}\n")
    subnet = f"172.28.{uuid.uuid4().int % 256}"
    override = production_override(tmp_path / "override.yaml", subnet, certs)
    database = tmp_path / "database.yaml"
    database.write_text(DATABASE_OVERRIDE.replace("{password}", secret))
    project, env = unique("orders"), {"APP_IMAGE": image, "DATABASE_PASSWORD_FILE": str(password)}

    def stack(*args: str) -> subprocess.CompletedProcess:
        files = (str(service / "compose.production.yaml"), str(override), str(database))
        return compose(project, *args, files=files, env=env)

    try:
        up = stack("up", "--detach", "--wait", "--wait-timeout", "300")
        assert up.returncode == 0, up.stderr + stack("logs").stdout
        port = int(stack("port", "proxy", "443").stdout.rsplit(":", 1)[1])
        created = https(port, ca, "/items", "--json", '{"name": "tea"}')
        assert created[0] == 201, created
        assert json.loads(https(port, ca, "/items")[1]) == [json.loads(created[1])]
        states = stack("ps", "--all", "--format", "{{.Service}} {{.State}} {{.ExitCode}}").stdout
        assert "migrate exited 0" in states, states
        assert stack("port", "db", "5432").returncode != 0  # published nowhere
        assert secret not in stack("logs").stdout
    finally:
        stack("down", "--volumes", "--timeout", "10")
        docker("rmi", "--force", image, check=False)


def test_its_development_stack_migrates_then_serves_the_database(service, tmp_path):
    project = unique("dev")
    # Compose names each service's image <project>-<service>; the three build the dev stage.
    build_image(service, f"{project}-web", "--target=dev")
    docker("tag", f"{project}-web", f"{project}-migrate")
    (override := tmp_path / "free-ports.yaml").write_text(FREE_PORTS)

    def stack(*args: str) -> subprocess.CompletedProcess:
        return compose(project, *args, files=(str(service / "compose.yaml"), str(override)))

    try:
        up = stack("up", "--no-build", "--detach", "--wait", "--wait-timeout", "300", "web")
        assert up.returncode == 0, up.stderr + stack("logs").stdout
        port = int(stack("port", "web", "8000").stdout.rsplit(":", 1)[1])
        # The dev stage has no health check: `fastapi dev` serves a moment after it runs.
        healthz = f"http://127.0.0.1:{port}/healthz"
        assert poll(lambda: urllib.request.urlopen(healthz, timeout=5).status == 200, timeout=120)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/items", data=b'{"name": "tea"}',
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as response:
            assert (response.status, json.load(response)["name"]) == (201, "tea")
        assert "upgraded from None to 0001" in stack("logs", "migrate").stdout
    finally:
        stack("down", "--volumes", "--timeout", "10")
        docker("rmi", "--force", f"{project}-web", f"{project}-migrate", check=False)


def differences(left: Path, right: Path) -> list[str]:
    """Paths whose presence or content differ between two trees (.git and .venv aside)."""
    found = []

    def walk(compared: filecmp.dircmp, prefix: str) -> None:
        for name in compared.left_only + compared.right_only + compared.diff_files:
            found.append(prefix + name)
        for name, child in compared.subdirs.items():
            walk(child, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right, ignore=[".git", ".venv"], shallow=False), "")
    return sorted(found)


def test_the_default_service_is_what_the_template_makes_without_any_option(tmp_path):
    default = generate(tmp_path / "default")
    bare = repository_copy(tmp_path / "bare-template")
    shutil.rmtree(bare / "template/options")
    generate(tmp_path / "from-bare", source=bare)
    assert differences(default, tmp_path / "from-bare") == [".copier-answers.yml"]
    answers = [
        (default / ".copier-answers.yml").read_text().splitlines(),
        (tmp_path / "from-bare/.copier-answers.yml").read_text().splitlines(),
    ]
    # Only where each came from differs (the commit, the source path).
    assert [line for line in answers[0] if line not in answers[1]] == [
        line for line in answers[0] if line.startswith("_")
    ]
    # Nor any file the option would create, under the service's own package name.
    package = yaml.safe_load(answers_text := (default / ".copier-answers.yml").read_text())
    option_files = {
        name.replace(PACKAGE, package["package_name"])
        for patch in patches(["database=postgresql"])
        for name in created(patch)
    }
    assert option_files
    assert not [name for name in option_files if (default / name).exists()], answers_text
