"""compose.production.yaml as it is: the app behind a real nginx that terminates TLS.

Reached the way clients reach it, through the proxy's ports published on 127.0.0.1; the
certificate is made for the test by a throwaway CA, as users would put their own in place. An
override file of the test's own moves only what would collide with another run on the engine:
the published ports, the subnet with the proxy's address, and the certificates' folder.
"""

import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from template.support import compose, https, production_override

from .tls import make_certificate
from tests.support.engine import docker, unique

pytestmark = pytest.mark.container

# nginx's client_header_timeout in deploy/proxy/nginx.conf.
HEADER_TIMEOUT_S = 10


@dataclass
class Stack:
    project: str
    env: dict[str, str]
    https: int
    http: int
    ca: Path
    proxy_address: str
    override: Path
    # The engine's times to the second (YYYY-MM-DDTHH:MM:SS), comparable as text.
    proxy_started: str = ""
    web_first_healthy: str = ""

    def compose(self, *args: str) -> subprocess.CompletedProcess:
        files = ("compose.production.yaml", str(self.override))
        return compose(self.project, *args, files=files, env=self.env)

    def inspect(self, service: str, template: str) -> str:
        (container,) = self.compose("ps", "--quiet", service).stdout.split()
        return docker("inspect", "--format", template, container).stdout.strip()

    def port(self, service: str, port: int) -> int:
        return int(self.compose("port", service, str(port)).stdout.strip().rsplit(":", 1)[1])

    def curl(self, path: str, *options: str) -> tuple[int, str]:
        return https(self.https, self.ca, path, *options)

    def app_log(self) -> list[dict]:
        """The app's JSON log lines (APP_LOG_FORMAT=json in the Compose file)."""
        output = self.compose("logs", "--no-log-prefix", "web").stdout
        return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def stack(image, tmp_path_factory) -> Iterator[Stack]:
    if missing := [tool for tool in ("openssl", "curl") if shutil.which(tool) is None]:
        reason = f"{' and '.join(missing)} not on PATH (the certificate and the HTTPS client)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so these tests must run")
        pytest.skip(reason)
    certs = tmp_path_factory.mktemp("certs")
    ca = make_certificate(certs)
    # A subnet of this run's own, so that runs on one engine do not collide.
    subnet = f"172.28.{uuid.uuid4().int % 256}"
    override = production_override(certs.parent / "override.yaml", subnet, certs)
    stack = Stack(unique("prod"), {"APP_IMAGE": image}, 0, 0, ca, f"{subnet}.254", override)
    try:
        up = stack.compose("up", "--no-build", "--detach", "--wait", "--wait-timeout", "300")
        assert up.returncode == 0, up.stdout + up.stderr + stack.compose("logs").stdout
        stack.https, stack.http = stack.port("proxy", 443), stack.port("proxy", 80)
        stack.proxy_started = stack.inspect("proxy", "{{.State.StartedAt}}")[:19]
        checks = json.loads(stack.inspect("web", "{{json .State.Health.Log}}"))
        stack.web_first_healthy = min(c["End"][:19] for c in checks if c["ExitCode"] == 0)
        yield stack
    finally:
        stack.compose("down", "--timeout", "10")


def test_https_through_the_proxy_serves_the_app(stack):
    assert stack.curl("/healthz") == (200, '{"status":"ok"}')
    states = stack.compose("ps", "--all", "--format", "{{.Service}} {{.State}} {{.ExitCode}}")
    assert "prestart exited 0" in states.stdout
    assert "web running" in states.stdout
    # Both workers started once: uvicorn's supervisor replaced none as hung.
    web_log = stack.compose("logs", "--no-log-prefix", "web").stdout
    assert "died" not in web_log
    assert web_log.count("Application startup complete") == 2


@pytest.mark.parametrize("host", [None, "evil.example"])
def test_plain_http_is_redirected_to_https_on_the_configured_name(stack, host):
    forged = ["--header", f"Host: {host}"] if host else []
    result = subprocess.run(
        ["curl", "--silent", "--output", "/dev/null", "--write-out", "%{http_code} %{redirect_url}",
         *forged, f"http://127.0.0.1:{stack.http}/docs?x=1"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    # server_name in nginx.conf, never the Host the client sent.
    assert result.stdout.split() == ["301", "https://localhost/docs?x=1"]


def test_the_proxy_does_not_wait_for_the_app_to_be_healthy(stack):
    # Started with web, it serves web whenever web turns healthy, however late.
    assert stack.proxy_started < stack.web_first_healthy


def test_the_app_sees_the_real_client_and_https(stack):
    # A forged X-Forwarded-For from the client is replaced by the proxy, not passed on.
    stack.curl("/missing/77", "--header", "X-Forwarded-For: 203.0.113.66")
    (entry,) = [entry for entry in stack.app_log() if entry.get("path") == "/missing/77"]
    assert entry["scheme"] == "https"
    assert entry["client"] not in {"203.0.113.66", stack.proxy_address}


def send_raw(port: int, ca: Path, request: bytes) -> bytes:
    """Send a request over TLS as far as the server lets it, then read what it answers."""
    context = ssl.create_default_context(cafile=str(ca))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=20) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        try:
            for start in range(0, len(request), 1 << 16):
                tls.sendall(request[start : start + (1 << 16)])
        except OSError:  # the proxy answered and closed before the end: as it should
            pass
        answer = b""
        try:
            while chunk := tls.recv(65536):
                answer += chunk
        except OSError:
            pass
        return answer


@pytest.mark.parametrize("megabytes", [1, 30])
def test_an_oversized_header_gets_a_4xx_from_the_proxy(stack, megabytes):
    path = f"/missing/{900 + megabytes}"
    header = b"X-Big: " + b"a" * (megabytes * 1_000_000)
    request = f"GET {path} HTTP/1.1\r\nHost: localhost\r\n".encode() + header + b"\r\n\r\n"
    answer = send_raw(stack.https, stack.ca, request)
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500, answer[:200]
    # The app never saw it and keeps serving.
    assert stack.curl("/healthz") == (200, '{"status":"ok"}')
    assert [entry for entry in stack.app_log() if entry.get("path") == path] == []


def test_a_client_that_sends_its_headers_slowly_is_cut_off(stack):
    context = ssl.create_default_context(cafile=str(stack.ca))
    with (
        socket.create_connection(("127.0.0.1", stack.https), timeout=HEADER_TIMEOUT_S + 20) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        began = time.monotonic()
        tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")  # and never the rest
        try:
            while tls.recv(65536):
                pass
        except OSError:
            pass
        waited = time.monotonic() - began
    assert HEADER_TIMEOUT_S - 1 < waited < HEADER_TIMEOUT_S + 5


def test_only_the_proxy_is_published(stack):
    web = stack.compose("ps", "--quiet", "web").stdout.strip()
    ports = json.loads(docker("inspect", "--format", "{{json .NetworkSettings.Ports}}", web).stdout)
    assert all(bindings is None for bindings in ports.values()), ports
    assert stack.compose("port", "web", "8000").stdout.strip() in {"", ":0"}
