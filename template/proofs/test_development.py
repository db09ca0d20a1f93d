"""The dev stage: what `docker compose watch` and `docker compose run` rely on."""

import json
import urllib.request
from collections.abc import Iterator

import pytest
from template.support import compose

from .debug_adapter import DebugAdapterClient
from tests.support.engine import build_image, docker, poll, run_container, unique
from tests.support.paths import REPO

pytestmark = pytest.mark.container


# Every port on a free 127.0.0.1 port, so that runs and a developer's own stack do not collide:
# an override file of the test's own, beside the Compose files as they are.
FREE_PORTS = """
services:
  web:
    ports: !override ["127.0.0.1::8000"]
  debug:
    ports: !override ["127.0.0.1::5678", "127.0.0.1::8000"]
"""


@pytest.fixture(scope="module")
def free_ports(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("compose") / "free-ports.yaml"
    path.write_text(FREE_PORTS)
    return str(path)


@pytest.fixture(scope="module")
def compose_project(engine) -> Iterator[str]:
    """A Compose project of this run's own, its `web` image built from the dev stage.

    Compose names a service's image `<project>-web`; building it first is what `docker compose
    build` would do (Compose's own build needs the buildx plugin).
    """
    project = unique("dev")
    build_image(REPO, f"{project}-web", "--target=dev")
    # The debug profile's service builds the same stage.
    docker("tag", f"{project}-web", f"{project}-debug")
    yield project
    compose(project, "--profile=debug", "down", "--volumes", "--timeout=5")
    docker("rmi", "--force", f"{project}-web", f"{project}-debug", check=False)


def test_the_test_suite_runs_inside_the_dev_image(compose_project):
    # The README's command, as a developer types it.
    result = compose(compose_project, "run", "--rm", "web", "pytest", "tests/unit")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
    assert "failed" not in result.stdout


def test_dev_stage_reloads_code_synced_into_it(compose_project):
    """What `docker compose watch` relies on: an edit under /app/src is served without a rebuild."""
    container = run_container(f"{compose_project}-web")
    try:
        container.wait_until_serving()
        assert container.get_json("/healthz") == (200, {"status": "ok"})
        # What the sync action does: the same file, changed in place.
        container.exec("sh", "-c", 'sed -i \'s/"ok"}/"synced"}/\' /app/src/*/core/health.py')
        # While it restarts the server refuses connections: poll counts that as not yet.
        expected = (200, {"status": "synced"})
        assert poll(lambda: container.get_json("/healthz") == expected), container.logs()
    finally:
        container.remove()


def published(project: str, service: str, port: int, files: tuple[str, ...]) -> int:
    """The host port Compose published a service's port on (`docker compose port`)."""
    answer = compose(project, "port", service, str(port), files=files).stdout.strip()
    return int(answer.rsplit(":", 1)[1])


def up_debug(project: str, free_ports: str, wait_for_client: bool) -> tuple[int, int]:
    """`docker compose --profile debug up debug`: the debugger's and the app's host ports."""
    files = ("compose.yaml", free_ports)
    env = {"DEBUG_WAIT": "1" if wait_for_client else ""}
    result = compose(project, "--profile=debug", "up", "--no-build", "--detach", "debug",
                     env=env, files=files)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return published(project, "debug", 5678, files), published(project, "debug", 8000, files)


def serves(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def test_an_editor_can_attach_to_the_debug_service(compose_project, free_ports):
    debugger_port, app_port = up_debug(compose_project, free_ports, wait_for_client=False)
    try:
        assert poll(lambda: serves(app_port)), "the app under debugpy did not serve"
        client = DebugAdapterClient(debugger_port)
        client.close()
        answer = client.initialized
        assert answer["success"] is True
        assert answer["body"]["supportsConfigurationDoneRequest"] is True
    finally:
        compose(compose_project, "--profile=debug", "rm", "--stop", "--force", "--volumes", "debug")


def test_debug_wait_holds_the_app_until_an_editor_attaches(compose_project, free_ports):
    debugger_port, app_port = up_debug(compose_project, free_ports, wait_for_client=True)
    try:
        client = DebugAdapterClient(debugger_port)
        try:
            assert client.initialized["success"] is True
            assert not serves(app_port)
            # What VS Code's "Attach to the container" sends, with its path mapping.
            mappings = json.loads((REPO / ".vscode" / "launch.json").read_text())
            attach = mappings["configurations"][0]
            path_mappings = [
                {"localRoot": str(REPO / "src"), "remoteRoot": m["remoteRoot"]}
                for m in attach["pathMappings"]
            ]
            # debugpy answers attach only after configurationDone: send it, do not wait.
            client.send("attach", pathMappings=path_mappings)
            client.wait_for_event("initialized")
            assert client.request("configurationDone")["success"] is True
            assert poll(lambda: serves(app_port)), "the app did not start after attaching"
        finally:
            client.close()
    finally:
        compose(compose_project, "--profile=debug", "rm", "--stop", "--force", "--volumes", "debug")


def test_the_devcontainer_opens_the_dev_service_on_the_working_tree(compose_project, free_ports):
    config = json.loads((REPO / ".devcontainer" / "devcontainer.json").read_text())
    folder = REPO / ".devcontainer"
    files = (
        *(str((folder / name).resolve().relative_to(REPO)) for name in config["dockerComposeFile"]),
        free_ports,
    )
    service = config["service"]
    result = compose(compose_project, "up", "--no-build", "--detach", service, files=files)
    try:
        assert result.returncode == 0, result.stderr
        port = published(compose_project, service, 8000, files)
        assert poll(lambda: serves(port)), "the devcontainer's service did not serve"
        # The editor's workspace folder is the working tree, mounted.
        workspace_file = f"{config['workspaceFolder']}/pyproject.toml"
        exec_cat = ("exec", "-T", service, "cat", workspace_file)
        inside = compose(compose_project, *exec_cat, files=files).stdout
        assert inside == (REPO / "pyproject.toml").read_text()
    finally:
        compose(compose_project, "rm", "--stop", "--force", "--volumes", service, files=files)
