"""deploy/swarm/stack.yaml on a real Swarm: requests spread over the replicas, a rolling update
under steady load that loses none, a version that never turns healthy rolled back by itself, a
killed replica replaced, and a secret that reaches the app as a file and nowhere else.

The engine must be a Swarm manager already; only under CI do these tests make it one, and they
leave it as they found it. The load goes to the proxy's port on 127.0.0.1, bounded in time.
"""

import os
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .tls import make_certificate
from tests.support.engine import build_image, docker, free_port, poll, unique
from tests.support.paths import REPO

pytestmark = pytest.mark.container

REPLICAS = 3
# Ceilings for a convergence (a start-first step per replica, health checks every 3 s, 10 s of
# monitoring each) and for a rollback (which waits out the new replica's 60 s start period).
CONVERGE_S, ROLLBACK_S = 300, 400


@pytest.fixture(scope="module")
def swarm(engine) -> Iterator[None]:
    state = docker("info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}")
    if state.stdout.split() == ["active", "true"]:
        yield
        return
    if not os.environ.get("CI"):
        pytest.skip("the engine is no Swarm manager (`docker swarm init`); only CI makes it one")
    assert state.stdout.split()[0] == "inactive", f"the engine's Swarm state: {state.stdout}"
    # `swarm init` makes this bridge for the nodes' published ports, and leaving keeps it.
    bridge = "docker_gwbridge"
    had_bridge = docker("network", "inspect", bridge, check=False).returncode == 0
    docker("swarm", "init", "--advertise-addr", "127.0.0.1")
    yield
    docker("swarm", "leave", "--force")
    if not had_bridge:
        docker("network", "rm", bridge, check=False)


@dataclass
class Load:
    """Steady GETs through the proxy from a few clients until stopped: how many each sent, and
    what came back (a status, or the error that came instead)."""

    get: Callable[[str], int]
    clients: int = 4
    stop: threading.Event = field(default_factory=threading.Event)
    sent: list[int] = field(default_factory=list)
    outcomes: list[Counter] = field(default_factory=list)

    def client(self, number: int) -> None:
        deadline = time.monotonic() + 600  # bounded, whatever happens to the test
        while not self.stop.is_set() and time.monotonic() < deadline:
            self.sent[number] += 1
            try:
                self.outcomes[number][self.get("/openapi.json")] += 1
            except OSError as error:
                self.outcomes[number][type(error).__name__] += 1
            time.sleep(0.02)

    def __enter__(self) -> "Load":
        self.sent, self.outcomes = [0] * self.clients, [Counter() for _ in range(self.clients)]
        self.threads = [
            threading.Thread(target=self.client, args=(n,)) for n in range(self.clients)
        ]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def __str__(self) -> str:
        return f"{sum(self.sent)} sent, {dict(sum(self.outcomes, Counter()))}"

    def all_answered_200(self) -> bool:
        return sum(self.outcomes, Counter()) == Counter({200: sum(self.sent)})


@dataclass
class Stack:
    name: str
    env: dict[str, str]
    ca: Path

    def deploy(self) -> None:
        # `docker stack deploy` reads the variables the stack file names from its environment.
        result = subprocess.run(
            ["docker", "stack", "deploy", "--compose-file", str(REPO / "deploy/swarm/stack.yaml"),
             "--resolve-image", "never", self.name],
            env={**os.environ, **self.env}, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr

    def get(self, path: str) -> int:
        context = ssl.create_default_context(cafile=str(self.ca))
        url = f"https://127.0.0.1:{self.env['HTTPS_PORT']}{path}"
        try:
            with urllib.request.urlopen(url, timeout=30, context=context) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def service(self, name: str, template: str) -> str:
        inspect = docker("service", "inspect", "--format", template, f"{self.name}_{name}")
        return inspect.stdout.strip()

    def running(self) -> list[str]:
        """The web tasks running now, as `<task id> <image>`."""
        row = "{{.ID}} {{.Image}} {{.CurrentState}}"
        tasks = docker("service", "ps", "--filter", "desired-state=running", "--format", row,
                       f"{self.name}_web").stdout  # fmt: skip
        return [" ".join(line.split()[:2]) for line in tasks.splitlines() if " Running " in line]

    def converged(self, image: str) -> bool:
        state = self.service("web", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}")
        tasks = self.running()
        return (
            state not in {"updating", "rollback_started"}
            and len(tasks) == REPLICAS
            and {task.split()[1] for task in tasks} == {image}
        )

    def wait_converged(self, image: str, timeout: float) -> float:
        began = time.monotonic()
        if not poll(lambda: self.converged(image), timeout=timeout, interval=1):
            ps = docker("service", "ps", "--no-trunc", f"{self.name}_web").stdout
            pytest.fail(f"{self.name}_web did not converge on {image}:\n{ps}")
        return time.monotonic() - began

    def logs(self) -> str:
        """The replicas' logs, each line led by its task's name (the app logs to stderr)."""
        result = docker("service", "logs", "--no-trunc", f"{self.name}_web", timeout=180)
        return result.stdout + result.stderr


@pytest.fixture(scope="module")
def stack(swarm, image, tmp_path_factory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("swarm")
    ca = make_certificate(folder)
    (folder / "otlp-headers").write_text(f"x-api-key={uuid.uuid4().hex}\n")
    stack = Stack(unique("stack"), {
        "APP_IMAGE": image, "HTTPS_PORT": str(free_port()), "HTTP_PORT": str(free_port()),
        "TLS_CERTIFICATE": str(folder / "tls.crt"), "TLS_KEY": str(folder / "tls.key"),
        "OTLP_HEADERS_FILE": str(folder / "otlp-headers"),
        # A subnet of this run's own, so that runs on one engine do not collide.
        "BACKEND_SUBNET": f"10.231.{200 + uuid.uuid4().int % 50}.0/24",
    }, ca)  # fmt: skip
    try:
        stack.deploy()
        stack.wait_converged(image, CONVERGE_S)
        assert poll(lambda: stack.get("/healthz") == 200, timeout=120), "the proxy did not serve"
        yield stack
    finally:
        docker("stack", "rm", stack.name, check=False)
        # The stack's network goes once its tasks have: wait, so the next run finds it gone.
        label = f"label=com.docker.stack.namespace={stack.name}"
        poll(lambda: not docker("network", "ls", "-q", "--filter", label).stdout.strip(), 120)


def test_requests_spread_over_every_replica(stack):
    path = f"/spread-{uuid.uuid4().hex[:8]}"  # a 404 of this test's own, logged with its path
    for _ in range(60):
        assert stack.get(path) == 404
    # Each replica logs the requests it served; the service's log names the task of each line.
    served_by = {line.split()[0] for line in stack.logs().splitlines() if path in line}
    assert len(served_by) == REPLICAS, served_by


def test_a_secret_reaches_the_app_as_a_file_and_nowhere_else(stack):
    secret = Path(stack.env["OTLP_HEADERS_FILE"]).read_text().strip()
    task = stack.running()[0].split()[0]
    container = docker("inspect", "--format", "{{.Status.ContainerStatus.ContainerID}}", task)
    container = container.stdout.strip()
    in_file = docker("exec", container, "cat", "/run/secrets/OTEL_EXPORTER_OTLP_HEADERS").stdout
    assert in_file.strip() == secret
    seen = [
        docker("service", "inspect", f"{stack.name}_web").stdout,
        docker("inspect", container).stdout,
        docker("exec", container, "env").stdout,
        stack.logs(),
    ]
    assert not [text for text in seen if secret in text]


def test_a_rolling_update_under_load_loses_no_request(stack, image):
    new = f"{image.rsplit(':', 1)[0]}:rolled-{uuid.uuid4().hex[:6]}"
    docker("tag", image, new)
    try:
        with Load(stack.get) as load:
            docker("service", "update", "--detach", "--image", new, f"{stack.name}_web")
            seconds = stack.wait_converged(new, CONVERGE_S)
        print(f"rolling update: {load} in {seconds:.0f} s")
        assert load.all_answered_200(), load
    finally:
        docker("service", "update", "--detach", "--image", image, f"{stack.name}_web")
        stack.wait_converged(image, CONVERGE_S)
        docker("rmi", new, check=False)


def test_a_version_that_never_turns_healthy_is_rolled_back_while_the_old_one_serves(
    stack, image, tmp_path
):
    (tmp_path / "Dockerfile").write_text(f'FROM {image}\nHEALTHCHECK CMD ["false"]\n')
    bad = unique("never-healthy") + ":test"
    build_image(tmp_path, bad)
    try:
        with Load(stack.get) as load:
            began = time.monotonic()
            docker("service", "update", "--detach", "--image", bad, f"{stack.name}_web")
            state = "{{.UpdateStatus.State}}"
            rolled_back = poll(lambda: stack.service("web", state) == "rollback_completed",
                               timeout=ROLLBACK_S, interval=1)  # fmt: skip
            assert rolled_back, stack.service("web", "{{json .UpdateStatus}}")
            stack.wait_converged(image, CONVERGE_S)
            seconds = time.monotonic() - began
        print(f"rollback: {load}, back on the old image in {seconds:.0f} s")
        assert load.all_answered_200(), load
        assert stack.service("web", "{{.Spec.TaskTemplate.ContainerSpec.Image}}") == image
    finally:
        docker("rmi", "--force", bad, check=False)


def test_a_killed_replica_is_replaced_and_no_request_fails(stack, image):
    task = stack.running()[0].split()[0]
    container = docker("inspect", "--format", "{{.Status.ContainerStatus.ContainerID}}", task)
    with Load(stack.get) as load:
        docker("kill", container.stdout.strip())
        assert poll(lambda: task not in " ".join(stack.running()), timeout=60)
        stack.wait_converged(image, CONVERGE_S)
    print(f"killed replica: {load}")
    assert load.all_answered_200(), load
