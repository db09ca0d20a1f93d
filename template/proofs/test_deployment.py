"""The deployment concepts of the FastAPI container docs, against the running image."""

import http.client
import json
import re
import signal
import subprocess
import uuid

import pytest
from template.support import processes, workers

from tests.support.engine import docker, poll

pytestmark = pytest.mark.container


def request(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """GET without following redirects: status, headers (lower-case names) and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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


@pytest.fixture(scope="module")
def host_address(start) -> str:
    """Where the host's requests come from as a container sees them: the engine's gateway or
    port proxy, which differs between engines (Docker Engine, Docker Desktop, Podman)."""
    container = start()
    container.get("/missing/1")
    (line,) = [line for line in container.logs().splitlines() if "path=/missing/1 " in line]
    return re.search(r"client=(\S+)", line).group(1)


def test_a_trusted_proxy_makes_urls_https_and_shows_the_real_client(start, host_address):
    # Our requests play the proxy: FORWARDED_ALLOW_IPS trusts the address they arrive from.
    allowed = {"APP_ALLOWED_HOSTS": "api.example.com"}
    container = start(env={"FORWARDED_ALLOW_IPS": host_address, **allowed})
    status, headers, _ = request(container.port, "/docs/", PROXY_HEADERS)  # drops the slash
    assert status == 307
    assert headers["location"] == "https://api.example.com/docs"
    (line,) = [line for line in container.logs().splitlines() if "path=/docs/ status=307" in line]
    assert "client=203.0.113.7" in line


def test_headers_from_an_untrusted_address_are_ignored(start, host_address):
    container = start(
        env={"FORWARDED_ALLOW_IPS": "192.0.2.10", "APP_ALLOWED_HOSTS": "api.example.com"}
    )
    _, headers, _ = request(container.port, "/docs/", PROXY_HEADERS)
    assert headers["location"] == "http://api.example.com/docs"
    (line,) = [line for line in container.logs().splitlines() if "path=/docs/ status=307" in line]
    assert f"client={host_address}" in line


def test_root_path_serves_the_docs_under_the_prefix(start):
    container = start(env={"APP_ROOT_PATH": "/api"})
    status, page = container.get("/api/docs")
    assert status == 200
    assert "'/api/openapi.json'" in page
    status, schema = container.get_json("/api/openapi.json")
    assert (status, schema["servers"]) == (200, [{"url": "/api"}])
    # A proxy that strips the prefix reaches the same routes.
    assert container.get_json("/readyz") == (200, {"status": "ready"})


def wait_for_workers(container, count: int, timeout: float = 180) -> list[dict]:
    found: list[dict] = []

    def counted() -> bool:
        found[:] = workers(processes(container))
        return len(found) == count

    assert poll(counted, timeout), f"expected {count} workers, found {found}"
    return found


def test_web_concurrency_runs_n_workers_and_replaces_a_killed_one(start):
    container = start(env={"WEB_CONCURRENCY": "3"})
    before = wait_for_workers(container, 3)
    victim = before[0]["pid"]
    container.exec("python", "-c", f"import os; os.kill({victim}, {signal.SIGKILL.value})")
    pids: set[int] = set()

    def replaced() -> bool:
        pids.clear()
        pids.update(row["pid"] for row in workers(processes(container)))
        return len(pids) == 3 and victim not in pids

    assert poll(replaced), f"worker {victim} was not replaced: {pids}"
    assert container.get_json("/readyz") == (200, {"status": "ready"})


@pytest.fixture
def service_processes(start):
    return processes(start())


def test_default_is_one_server_process(service_processes):
    assert workers(service_processes) == []
    (server,) = [row for row in service_processes if "fastapi run" in row["cmd"]]
    assert server["pid"] == 1


def run_prestart(image: str, network: str, **env: str) -> subprocess.CompletedProcess:
    flags = [f"--env={k}={v}" for k, v in env.items()]
    return docker(
        "run", "--rm", f"--network={network}", *flags, image, "prestart", check=False, timeout=180
    )


def test_prestart_in_the_image_waits_for_dependencies(image, network, database):
    result = run_prestart(image, network, APP_WAIT_FOR="db:5432")
    assert result.returncode == 0, result.stderr
    assert "prestart: db:5432 answers" in result.stdout


def test_prestart_in_the_image_writes_json_when_told(image, network, database):
    result = run_prestart(image, network, APP_WAIT_FOR="db:5432", APP_LOG_FORMAT="json")
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert [entry["message"] for entry in entries] == [
        "prestart: db:5432 answers",
        "prestart: settings are valid; ready to start the server",
    ]


def test_prestart_in_the_image_checks_the_servers_settings_too(image, network):
    result = run_prestart(image, network, WEB_CONCURRENCY="1.5")
    assert result.returncode != 0
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("error: invalid setting WEB_CONCURRENCY='1.5': ")
    )


def test_prestart_in_the_image_fails_clearly_when_a_dependency_is_missing(image, network):
    result = run_prestart(image, network, APP_WAIT_FOR="db:5432", APP_WAIT_TIMEOUT="1")
    assert result.returncode == 1
    assert "db:5432 did not answer within 1 s" in result.stderr


def test_commands_the_manifests_run_exist_in_the_image(image):
    # preStop runs `sleep`; the init container and the Compose one-shot service run `prestart`.
    lookup = "for name in prestart sleep; do command -v $name; done"
    result = docker("run", "--rm", "--entrypoint=sh", image, "-c", lookup)
    assert [path.rsplit("/", 1)[-1] for path in result.stdout.split()] == ["prestart", "sleep"]


def test_readiness_follows_a_dependency_that_stops_and_returns(start, network, database):
    container = start(
        f"--network={network}", env={"APP_WAIT_FOR": "db:5432", "APP_READY_DETAILS": "true"}
    )
    assert poll(lambda: container.get("/readyz")[0] == 200), container.get("/readyz")
    docker("stop", "--time=1", database)
    assert poll(lambda: container.get("/readyz")[0] == 503, timeout=60)
    assert list(container.get_json("/readyz")[1]["failing"]) == ["db:5432"]
    assert container.get("/healthz")[0] == 200
    docker("start", database)
    assert poll(lambda: container.get("/readyz")[0] == 200, timeout=60)


def secrets_folder(path, **files: str) -> str:
    """A folder of secret files, readable by the image's user, as Docker mounts secrets."""
    path.mkdir(mode=0o755)
    for name, content in files.items():
        (path / name).write_text(content)
        (path / name).chmod(0o644)
    return f"--volume={path}:/run/secrets:ro"


def test_settings_come_from_secret_files(start, tmp_path):
    container = start(secrets_folder(tmp_path / "secrets", APP_TITLE="Orders from a secret"))
    assert container.get_json("/openapi.json")[1]["info"]["title"] == "Orders from a secret"


def test_a_bad_secret_stops_the_service_without_showing_it(start, tmp_path):
    secret = f"Bearer-{uuid.uuid4().hex}"
    folder = secrets_folder(tmp_path / "secrets", OTEL_EXPORTER_OTLP_HEADERS=secret)
    container = start(folder, wait=False)
    assert docker("wait", container.name, timeout=180).stdout.strip() != "0"
    logs = container.logs()
    assert "invalid setting OTEL_EXPORTER_OTLP_HEADERS=(hidden)" in logs
    assert secret not in logs
