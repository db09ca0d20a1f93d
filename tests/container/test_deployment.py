"""The deployment concepts of the FastAPI container docs, against the running image."""

import http.client
import os
import signal
import socket
import subprocess
import time
import uuid

import pytest

from tests.paths import REPO

from .engine import Container, build_image, docker, free_port, workers

pytestmark = pytest.mark.container

COMPOSE = REPO / ".venv" / "bin" / "docker-compose"


def request(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """GET without following redirects: status, headers (lower-case names) and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


PROXY_HEADERS = {
    "Host": "api.example.com",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.7",
}


def test_a_trusted_proxy_makes_urls_https_and_shows_the_real_client(start):
    # We connect from 127.0.0.1, which FORWARDED_ALLOW_IPS trusts here.
    container = start(env={"FORWARDED_ALLOW_IPS": "127.0.0.1"})
    status, headers, _ = request(container.port, "/items/5/", PROXY_HEADERS)  # drops the slash
    assert status == 307
    assert headers["location"] == "https://api.example.com/items/5"
    (line,) = [line for line in container.logs().splitlines() if "GET /items/5/ 307" in line]
    assert "client=203.0.113.7" in line


def test_headers_from_an_untrusted_address_are_ignored(start):
    container = start(env={"FORWARDED_ALLOW_IPS": "192.0.2.10"})
    _, headers, _ = request(container.port, "/items/5/", PROXY_HEADERS)
    assert headers["location"] == "http://api.example.com/items/5"
    (line,) = [line for line in container.logs().splitlines() if "GET /items/5/ 307" in line]
    assert "client=127.0.0.1" in line


def test_root_path_serves_the_docs_under_the_prefix(start):
    container = start(env={"APP_ROOT_PATH": "/api"})
    status, page = container.get("/api/docs")
    assert status == 200
    assert "'/api/openapi.json'" in page
    status, schema = container.get_json("/api/openapi.json")
    assert (status, schema["servers"]) == (200, [{"url": "/api"}])
    # A proxy that strips the prefix reaches the same routes.
    assert container.get_json("/items/5") == (200, {"item_id": 5, "q": None})


def wait_for_workers(container, count: int, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = workers(container.processes())
        if len(found) == count:
            return found
        time.sleep(0.3)
    pytest.fail(f"expected {count} workers, found {workers(container.processes())}")


def test_web_concurrency_runs_n_workers_and_replaces_a_killed_one(start):
    container = start(env={"WEB_CONCURRENCY": "3"})
    before = wait_for_workers(container, 3)
    victim = before[0]["pid"]
    container.exec("python", "-c", f"import os; os.kill({victim}, {signal.SIGKILL.value})")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pids = {row["pid"] for row in workers(container.processes())}
        if len(pids) == 3 and victim not in pids:
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"worker {victim} was not replaced: {pids}")
    assert container.get_json("/items/1") == (200, {"item_id": 1, "q": None})


@pytest.fixture
def service_processes(start):
    return start().processes()


def test_default_is_one_server_process(service_processes):
    assert workers(service_processes) == []
    (server,) = [row for row in service_processes if "fastapi run" in row["cmd"]]
    assert server["pid"] == 1


def run_prestart(image: str, **env: str) -> subprocess.CompletedProcess:
    flags = [f"--env={k}={v}" for k, v in env.items()]
    return docker(
        "run", "--rm", "--network=host", *flags, image, "prestart", check=False, timeout=60
    )


def test_prestart_in_the_image_waits_for_dependencies(image):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        result = run_prestart(image, APP_WAIT_FOR=f"127.0.0.1:{server.getsockname()[1]}")
    assert result.returncode == 0, result.stderr
    assert "answers" in result.stdout


def test_prestart_in_the_image_fails_clearly_when_a_dependency_is_missing(image):
    port = free_port()
    result = run_prestart(image, APP_WAIT_FOR=f"127.0.0.1:{port}", APP_WAIT_TIMEOUT="1")
    assert result.returncode == 1
    assert f"127.0.0.1:{port} did not answer within 1 s" in result.stderr


def test_commands_the_manifests_run_exist_in_the_image(image):
    # preStop runs `sleep`; the init container and the Compose one-shot service run `prestart`.
    lookup = "for name in prestart sleep; do command -v $name; done"
    result = docker("run", "--rm", "--entrypoint=sh", image, "-c", lookup)
    assert [path.rsplit("/", 1)[-1] for path in result.stdout.split()] == ["prestart", "sleep"]


def test_production_compose_comes_up_healthy_and_serves(image, tmp_path):
    port = free_port()
    # No bridge network here: run both services on the host network instead of publishing ports.
    override = tmp_path / "compose.host-network.yaml"
    override.write_text(
        "services:\n"
        "  prestart:\n"
        "    network_mode: host\n"
        "  web:\n"
        "    network_mode: host\n"
        "    ports: !reset []\n"
        f"    environment:\n      PORT: '{port}'\n"
    )
    project = f"fut-{uuid.uuid4().hex[:8]}"
    compose = [
        str(COMPOSE),
        "-p",
        project,
        "-f",
        str(REPO / "compose.production.yaml"),
        "-f",
        str(override),
    ]
    env = {**os.environ, "APP_IMAGE": image}

    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*compose, *args], env=env, capture_output=True, text=True, timeout=timeout
        )

    try:
        up = run("up", "--no-build", "--detach", "--wait", "--wait-timeout", "90")
        assert up.returncode == 0, up.stdout + up.stderr
        status, _, body = request(port, "/items/5?q=x")
        assert (status, body) == (200, b'{"item_id":5,"q":"x"}')
        states = run("ps", "--all", "--format", "{{.Service}} {{.State}} {{.ExitCode}}").stdout
        assert "prestart exited 0" in states
        assert "web running" in states
    finally:
        run("down", "--timeout", "10")


def test_dev_stage_reloads_code_synced_into_it(engine):
    """What `docker compose watch` relies on: an edit under /app/src is served without a rebuild."""
    tag = "fastapi-uv-template:dev-test"
    build_image(REPO, tag, "--target=dev")
    container = Container(name=f"fut-dev-{uuid.uuid4().hex[:8]}", port=free_port())
    command = ["fastapi", "dev", "--host", "127.0.0.1", "--port", str(container.port)]
    docker("run", "--detach", "--network=host", f"--name={container.name}", tag, *command)
    try:
        container.wait_until_serving(timeout=60)
        assert container.get_json("/") == (200, {"Hello": "World"})
        # Stand-in for the sync action: the same file, changed in place.
        container.exec("sh", "-c", 'sed -i \'s/"World"/"Watch"/\' /app/src/*/routes/items.py')
        deadline = time.monotonic() + 30
        while True:
            try:
                if container.get_json("/") == (200, {"Hello": "Watch"}):
                    break
            except OSError:  # the server is restarting
                pass
            assert time.monotonic() < deadline, container.logs()
            time.sleep(0.3)
    finally:
        container.remove()
        docker("rmi", tag, check=False)
