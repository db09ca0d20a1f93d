"""Request logs, request ids and OTLP export, seen from outside the running container."""

import json
import tomllib
import urllib.request
from pathlib import Path

import pytest

from tests.support.engine import docker, poll, unique
from tests.support.paths import REPO

# The collector runs inside the image under test, which ships the OTLP classes it needs.
OTLP_COLLECTOR = Path(__file__).with_name("otlp.py")
OTLP_PORT = 4318
PACKAGE = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["build-backend"][
    "module-name"
]

pytestmark = pytest.mark.container


def get_with_request_id(container, path: str, request_id: str) -> str:
    request = urllib.request.Request(container.url + path, headers={"X-Request-ID": request_id})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers["X-Request-ID"]


def access_lines(container) -> list[str]:
    return [line for line in container.logs().splitlines() if ".access" in line]


def test_text_request_log_carries_the_request_id_and_skips_probes(start):
    container = start()
    assert get_with_request_id(container, "/openapi.json?q=x", "trace-text-1") == "trace-text-1"
    container.get("/healthz")  # besides the probes wait_until_serving already sent
    (line,) = access_lines(container)
    assert "request method=GET path=/openapi.json status=200 " in line
    assert "request_id=trace-text-1" in line


def test_json_request_log_is_one_object_per_line(start):
    container = start(env={"APP_LOG_FORMAT": "json"})
    get_with_request_id(container, "/openapi.json", "trace-json-1")
    (line,) = access_lines(container)
    entry = json.loads(line)
    assert (entry["path"], entry["status"], entry["request_id"]) == (
        "/openapi.json",
        200,
        "trace-json-1",
    )


def server_spans(collector: str, count: int, timeout: float = 120) -> list[dict]:
    """The server spans the collector container has printed, once there are `count` of them."""
    spans: list[dict] = []

    def printed() -> bool:
        lines = docker("logs", collector).stdout.splitlines()
        spans[:] = [span for span in map(json.loads, lines) if span["server"]]
        return len(spans) >= count

    poll(printed, timeout, interval=0.2)
    return spans


def test_otel_variables_export_a_span_per_request(start, image, network):
    collector = unique("test-otlp")
    source = OTLP_COLLECTOR.read_text()
    docker("run", "--detach", f"--name={collector}", f"--network={network}",
           "--network-alias=collector", image, "python", "-c", source)  # fmt: skip
    try:
        container = start(
            f"--network={network}",
            env={
                "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://collector:{OTLP_PORT}",
                "OTEL_SERVICE_NAME": "orders",
                "OTEL_BSP_SCHEDULE_DELAY": "100",
            },
        )
        for query in ("1", "2", "3"):
            container.get(f"/openapi.json?n={query}")
        container.get("/healthz")
        spans = server_spans(collector, 3)
    finally:
        docker("rm", "--force", collector, check=False)
    assert [(s["name"], s["service"]) for s in spans] == [("GET /openapi.json", "orders")] * 3


def test_a_client_cannot_forge_a_log_line(start):
    container = start()
    container.get("/x%0d%0a2026-11-28%20INFO%20forged.access:%20GET%20/admin%20200%1b[2J%00")
    lines = container.logs().splitlines()
    (line,) = [line for line in lines if '.access: request method=GET path="/x' in line]
    assert "\\r\\n2026-11-28 INFO forged.access" in line
    assert "\\x1b[2J\\x00" in line
    assert not [line for line in lines if line.startswith("2026-11-28 INFO forged")]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_with_json_every_line_the_server_writes_is_one_object(start, network, database, workers):
    env = {"APP_LOG_FORMAT": "json", "WEB_CONCURRENCY": workers}
    container = start(f"--network={network}", env=env)
    for path in ("/openapi.json", "/missing", "/docs"):
        container.get(path)
    docker("stop", "--time=10", container.name, timeout=120)
    # Every line, the supervisor's and the last included: no banner, no blank line.
    entries = [json.loads(line) for line in container.logs().splitlines()]
    assert all(isinstance(entry, dict) for entry in entries)
    loggers = {entry["logger"] for entry in entries}
    assert {"uvicorn.error", f"{PACKAGE}.core.app", f"{PACKAGE}.access"} <= loggers
    messages = " ".join(entry["message"] for entry in entries)
    assert "Started server process" in messages
    assert "Finished server process" in messages


# Accepts every connection and never answers, as a collector that hangs does.
SILENT_COLLECTOR = """
import socket
server = socket.create_server(("", 4318))
held = []
while True:
    held.append(server.accept())
"""


@pytest.mark.parametrize("timeout", [{}, {"OTEL_EXPORTER_OTLP_TIMEOUT": "8"}])
def test_a_collector_that_never_answers_cannot_hold_up_the_stop(start, image, network, timeout):
    docker("run", "--detach", f"--name={unique('test-silent')}", f"--network={network}",
           "--network-alias=collector", image, "python", "-c", SILENT_COLLECTOR)  # fmt: skip
    # The image's export timeout (2 s), or 8 s, which outlasts the grace period by itself.
    otlp = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://collector:{OTLP_PORT}", **timeout}
    container = start(f"--network={network}", env=otlp)
    for query in range(20):  # spans, metrics and logs waiting to be exported
        container.get(f"/openapi.json?n={query}")
    docker("stop", "--time=10", container.name, timeout=120)
    # Killed at the grace period's end, it would exit 137.
    logs = container.logs()
    assert container.inspect("{{.State.ExitCode}}") == "0", logs
    assert "the collector took no last export within 4 s: dropped; exiting" in logs, logs
