"""Probe the real image: what it serves, who it runs as, what it holds, how it starts and stops."""

import json
import re
import subprocess
import time
import tomllib

import pytest

from .engine import docker, poll, python_image
from tests.paths import REPO

pytestmark = pytest.mark.container

# Megabytes the image may add to its Python base (README, "Performance"); 81 MB today.
SIZE_BUDGET_MB = 100

HARDENED = (
    "--read-only",
    "--tmpfs=/tmp",
    "--cap-drop=ALL",
    "--security-opt=no-new-privileges",
)


@pytest.fixture(scope="module")
def service(start):
    """The image as shipped: default user, default flags."""
    return start()


@pytest.fixture(scope="module")
def hardened(start):
    """The image locked down, under an arbitrary UID as OpenShift would pick."""
    return start(*HARDENED, "--user=4242:0")


def process_uids(container) -> list[int]:
    status = container.exec("cat", "/proc/1/status")
    return [int(uid) for uid in re.search(r"^Uid:\s+(.*)$", status, re.MULTILINE).group(1).split()]


def test_serves_the_documented_endpoints(service):
    assert service.get_json("/") == (200, {"Hello": "World"})
    assert service.get_json("/items/5?q=x") == (200, {"item_id": 5, "q": "x"})
    status, body = service.get_json("/items/abc")
    assert status == 422
    assert body["detail"][0]["loc"] == ["path", "item_id"]
    assert service.get_json("/readyz") == (200, {"status": "ready"})


def test_docs_and_openapi_load(service):
    status, page = service.get("/docs")
    assert status == 200
    assert "swagger-ui" in page
    status, schema = service.get_json("/openapi.json")
    assert status == 200
    assert "/items/{item_id}" in schema["paths"]


def test_runs_as_a_fixed_non_root_uid_in_group_zero(service):
    assert set(process_uids(service)) == {10001}
    assert service.inspect("{{.Config.User}}") == "10001:0"


def test_image_holds_no_uv_no_compiler_and_no_repository_files(service):
    assert service.exec("ls", "-A", "/app").split() == [".venv"]

    def find(*conditions: str) -> list[str]:
        # As root, so that no directory is too private to search.
        return service.exec("find", "/", "-xdev", *conditions, user="0").split()

    tools = ("uv", "uvx", "gcc", "gcc-[0-9]*", "cc", "c++", "g++", "clang")
    names = [arg for tool in tools for arg in ("-o", "-name", tool)][1:]
    assert find("-type", "f", "-perm", "/111", "(", *names, ")") == []

    repository_files = ("pyproject.toml", "uv.lock", "README.md", "Dockerfile", "test_image.py")
    names = [arg for name in repository_files for arg in ("-o", "-name", name)][1:]
    assert find("(", *names, ")") == []


# Run inside the image: the installed distribution as importlib.metadata sees it, every RECORD
# hash checked against the file on disk, and each module's bytecode checked as the import
# system would (the pyc header must match the source's mtime and size, or its hash).
INSTALLED_PROJECT = """
import base64, hashlib, importlib.metadata as md, importlib.util, json, os, sys
dist = md.distribution(sys.argv[1])
found = {"version": dist.version, "direct_url": dist.read_text("direct_url.json"),
         "modules": [], "bad_hashes": [], "without_bytecode": []}
for entry in dist.files:
    path = entry.locate()
    if entry.hash:
        digest = hashlib.new(entry.hash.mode, open(path, "rb").read()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != entry.hash.value:
            found["bad_hashes"].append(str(entry))
    if entry.suffix != ".py" or str(entry).startswith(".."):
        continue
    found["modules"].append(str(entry))
    try:
        header = open(importlib.util.cache_from_source(path), "rb").read(16)
    except OSError:
        header = b""
    source, stat = open(path, "rb").read(), os.stat(path)
    valid = header[:4] == importlib.util.MAGIC_NUMBER and (
        header[8:16] == importlib.util.source_hash(source) if header[4:8] != bytes(4) else
        header[8:16] == (int(stat.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
        + (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little"))
    if not valid:
        found["without_bytecode"].append(str(entry))
print(json.dumps(found))
"""


def test_the_project_is_installed_as_its_wheel_with_bytecode(service):
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    installed = json.loads(service.exec("python", "-c", INSTALLED_PROJECT, project["name"]))
    assert installed["version"] == project["version"]
    # importlib.metadata.files() lists every module of the package, and nothing else.
    modules = sorted(str(path.relative_to(REPO / "src")) for path in REPO.glob("src/**/*.py"))
    assert sorted(installed["modules"]) == modules
    assert installed["bad_hashes"] == []
    assert installed["without_bytecode"] == []
    # Installed by name, not from a path that exists only in the build.
    assert installed["direct_url"] is None


def test_nothing_in_app_is_writable_by_the_runtime_user(service):
    for user in ("10001:0", "4242:0"):
        assert service.exec("find", "/app", "-writable", user=user).split() == [], user


def test_image_adds_less_than_the_budget_to_its_base(image):
    base = python_image()
    if docker("image", "inspect", base, check=False).returncode != 0:
        docker("pull", base, timeout=600)  # CI builds with buildx, which leaves no local copy

    def size(name: str) -> int:
        return int(docker("image", "inspect", "--format", "{{.Size}}", name).stdout)

    above_mb = (size(image) - size(base)) / 1_000_000
    assert 0 < above_mb < SIZE_BUDGET_MB


def test_health_check_turns_healthy(service, hardened):
    states: dict[str, str] = {}

    def healthy() -> bool:
        states.update({c.name: c.inspect("{{.State.Health.Status}}") for c in (service, hardened)})
        return set(states.values()) == {"healthy"}

    assert poll(healthy, timeout=45, interval=1), f"health states after 45 s: {states}"


def test_runs_hardened_under_an_arbitrary_uid(hardened):
    assert set(process_uids(hardened)) == {4242}
    assert hardened.get_json("/items/7?q=ro") == (200, {"item_id": 7, "q": "ro"})
    assert hardened.inspect("{{.HostConfig.ReadonlyRootfs}}") == "true"


def test_stop_is_quick_with_the_trace_collector_down(start, network):
    # Spans are waiting for a collector that does not exist when the stop comes.
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SERVICE_NAME": "down"}
    container = start(f"--network={network}", env=env)
    for item in (1, 2, 3):
        container.get(f"/items/{item}")
    began = time.monotonic()
    docker("stop", "--time=10", container.name, timeout=30)
    assert container.inspect("{{.State.ExitCode}}") == "0"
    assert time.monotonic() - began < 8


def test_stop_is_graceful_and_quick(start):
    container = start()
    began = time.monotonic()
    # With --time 5, a process that ignored SIGTERM would be killed at 5 s with code 137.
    docker("stop", "--time=5", container.name, timeout=30)
    elapsed = time.monotonic() - began
    assert container.inspect("{{.State.ExitCode}}") == "0"
    assert elapsed < 5
    logs = container.logs()
    assert "shutdown complete" in logs
    assert "Finished server process" in logs


@pytest.mark.parametrize(
    ("variable", "value"),
    [("APP_LOG_LEVEL", "loud"), ("APP_TITLE", ""), ("WEB_CONCURRENCY", "abc"),
     ("PORT", "65536"), ("FORWARDED_ALLOW_IPS", "the-proxy")],
)  # fmt: skip
def test_bad_setting_stops_the_service_with_one_clear_line(start, variable, value):
    # With two workers too: the check runs before uvicorn starts any.
    env = {"WEB_CONCURRENCY": "2", variable: value}
    container = start(env=env, wait=False)
    try:
        code = docker("wait", container.name, timeout=30).stdout.strip()
    except subprocess.TimeoutExpired:
        pytest.fail(f"the service kept running with a bad setting:\n{container.logs()}")
    assert code != "0"
    logs = container.logs().strip().splitlines()
    assert logs == [f"error: invalid setting {variable}={value!r}: {logs[0].split(': ', 2)[2]}"]
