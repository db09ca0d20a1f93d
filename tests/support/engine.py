"""Helpers to build the real image and run containers from it on free loopback ports.
`PYTHON_IMAGE` and `UV_IMAGE`, when set, are passed to builds as arguments."""

import json
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from .paths import REPO

BASE_IMAGE_ARGS = ("PYTHON_IMAGE", "UV_IMAGE")
# The port the image's server listens on (EXPOSE 8000, fastapi-cli's default).
SERVICE_PORT = 8000


# COPY --chmod exists only in BuildKit; the tar output leaves no image behind on the engine.
BUILDKIT_PROBE = "FROM scratch\nCOPY --chmod=644 probe /probe\n"


def buildkit_problem(error: str) -> str:
    """Why a BuildKit build failed, from the docker client's error message."""
    if "buildx" in error:
        return "the docker client has no BuildKit: its buildx plugin is missing (docker-buildx)"
    if "requires BuildKit" in error:
        return "the docker client builds with the legacy builder: set DOCKER_BUILDKIT=1"
    first_line = next((line for line in error.splitlines() if line.strip()), "no message")
    return f"the Docker engine cannot run a BuildKit build: {first_line.strip()[:200]}"


def engine_problem() -> str | None:
    """None when a docker client and engine can build with BuildKit, else the reason."""
    if shutil.which("docker") is None:
        return "no docker CLI on PATH"
    try:
        info = docker("info", "--format", "{{.ServerVersion}}", timeout=15, check=False)
    except subprocess.TimeoutExpired:
        return "the Docker engine did not answer within 15 s"
    if info.returncode != 0:
        return f"no Docker engine answers: {info.stderr.strip()[:200]}"
    with tempfile.TemporaryDirectory() as context:
        (Path(context) / "Dockerfile").write_text(BUILDKIT_PROBE)
        (Path(context) / "probe").write_text("probe\n")
        output = f"--output=type=tar,dest={Path(context) / 'image.tar'}"
        build = docker("build", "--quiet", output, context, timeout=120, check=False)
    return None if build.returncode == 0 else buildkit_problem(build.stderr)


def copy_repository(destination: Path) -> None:
    """The files git would commit (tracked, or new and not ignored), as a build would see them."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, check=True,
    )  # fmt: skip
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (REPO / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, destination / name)


def repository_copy(destination: Path) -> Path:
    """A git repository holding those files in one commit, for tools that read git."""
    copy_repository(destination)
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    for command in (["init", "--quiet"], ["add", "--all"], [*identity, "commit", "-qm", "Copy"]):
        subprocess.run(["git", *command], cwd=destination, capture_output=True, check=True)
    return destination


def docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=check
    )


def try_build(context: Path, tag: str, *options: str) -> subprocess.CompletedProcess:
    """`docker build` with BuildKit; `options` go to it as given (`--file=…`, `--secret=…`)."""
    build_args = [
        f"--build-arg={name}={os.environ[name]}" for name in BASE_IMAGE_ARGS if name in os.environ
    ]
    return docker(
        "build", "--progress=plain", *build_args, *options, "-t", tag, str(context),
        timeout=900, check=False,
    )  # fmt: skip


def build_image(context: Path, tag: str, *options: str) -> str:
    """Build, which must succeed, and return the plain-progress log."""
    result = try_build(context, tag, *options)
    assert result.returncode == 0, f"docker build failed:\n{result.stderr[-4000:]}"
    return result.stderr


def layer_ids(tag: str) -> list[str]:
    return json.loads(docker("image", "inspect", "--format", "{{json .RootFS.Layers}}", tag).stdout)


def layer_sizes(tag: str) -> list[int]:
    """Uncompressed size of each layer, in RootFS order, read from `docker save`."""
    sizes: dict[str, int] = {}
    with (
        subprocess.Popen(["docker", "save", tag], stdout=subprocess.PIPE) as save,
        tarfile.open(fileobj=save.stdout, mode="r|") as archive,
    ):
        for member in archive:
            if member.name == "manifest.json":
                manifest = json.load(archive.extractfile(member))
            elif member.isfile():
                sizes[member.name] = member.size
    assert save.returncode == 0
    return [sizes[name] for name in manifest[0]["Layers"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def poll(condition, timeout: float = 30, interval: float = 0.3) -> bool:
    """Whether `condition()` came true before the timeout; an OSError counts as not yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


def unique(prefix: str) -> str:
    """A name no other test run on the same engine uses: runs may share an engine."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def run_container(
    image: str, *flags: str, env: dict[str, str] | None = None, command: tuple[str, ...] = ()
) -> "Container":
    """`docker run` as a user would, the service's port published on a free 127.0.0.1 port."""
    name = unique("test")
    env_flags = [f"--env={key}={value}" for key, value in (env or {}).items()]
    docker("run", "--detach", f"--name={name}", f"--publish=127.0.0.1::{SERVICE_PORT}",
           *env_flags, *flags, image, *command)  # fmt: skip
    # `docker port` answers "127.0.0.1:49153"; nothing once the container has already exited.
    published = docker("port", name, f"{SERVICE_PORT}/tcp", check=False).stdout.split()
    return Container(name=name, port=int(published[0].rsplit(":", 1)[1]) if published else 0)


@dataclass
class Container:
    name: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> tuple[int, str]:
        # Generous: on a busy host an answer can take seconds; a healthy one takes milliseconds.
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}{path}", timeout=30
            ) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get_json(self, path: str) -> tuple[int, object]:
        status, body = self.get(path)
        return status, json.loads(body)

    def inspect(self, template: str) -> str:
        return docker("inspect", "--format", template, self.name).stdout.strip()

    def logs(self) -> str:
        result = docker("logs", self.name)
        return result.stdout + result.stderr

    def exec(self, *command: str, user: str | None = None) -> str:
        user_flags = [f"--user={user}"] if user else []
        return docker("exec", *user_flags, self.name, *command).stdout

    def wait_until_serving(self, timeout: float = 180) -> None:
        """Until /healthz answers: a ceiling for a starved host, not an expected time."""

        def serves_or_stopped() -> bool:
            try:
                return self.get("/healthz")[0] == 200
            except OSError:
                if self.inspect("{{.State.Running}}") != "true":
                    pytest.fail(f"container {self.name} stopped:\n{self.logs()}")
                raise

        if not poll(serves_or_stopped, timeout, interval=0.2):
            pytest.fail(f"container {self.name} did not serve /healthz:\n{self.logs()}")

    def remove(self) -> None:
        docker("rm", "--force", self.name, check=False)
