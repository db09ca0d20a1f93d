"""Helpers to build the real image and run containers from it on free loopback ports.

`TEST_IMAGE=name` tests an image built elsewhere (CI's image job) instead of building one.
`PYTHON_IMAGE` and `UV_IMAGE`, when set, are passed to the build as arguments.
Without a Docker engine these tests skip, except under `CI`, where that is a failure.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.paths import REPO, TOOLS

BASE_IMAGE_ARGS = ("PYTHON_IMAGE", "UV_IMAGE")
# The port the image's server listens on (EXPOSE 8000, fastapi-cli's default).
SERVICE_PORT = 8000


# Outside a git repository (a service just generated), what a copy leaves out.
LOCAL_STATE = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".coverage"}


def copy_repository(destination: Path) -> None:
    """The files git would commit (tracked, or new and not ignored), as a build would see them."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, check=False,
    )  # fmt: skip
    if listed.returncode == 0:
        names = listed.stdout.decode().split("\0")
    else:
        names = [
            str(path.relative_to(REPO)) for path in REPO.rglob("*")
            if not LOCAL_STATE & set(path.relative_to(REPO).parts)
        ]  # fmt: skip
    for name in filter(None, names):
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


def python_image() -> str:
    """The Python base image: $PYTHON_IMAGE, else the Dockerfile's default."""
    default = re.search(r"^ARG PYTHON_IMAGE=(\S+)", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    return os.environ.get("PYTHON_IMAGE", default.group(1))


def docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=check
    )


def compose(
    project: str,
    *args: str,
    files: tuple[str, ...] = ("compose.yaml",),
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """`docker compose -p <project> -f <file>…` with the Compose binary that uv.lock pins."""
    command = [str(TOOLS / "docker-compose"), "-p", project]
    command += [arg for name in files for arg in ("-f", str(REPO / name))]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


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


def steps(log: str, instruction: str) -> dict[str, str]:
    """Title -> log lines of every build step (plain progress) that runs `instruction`."""
    lines = log.splitlines()
    titles = {
        line.split()[0]: line.split("] ", 1)[1]
        for line in lines
        if line.startswith("#") and "] " in line and line.split("] ", 1)[1].startswith(instruction)
    }
    return {
        title: "\n".join(line for line in lines if line.startswith(f"{step} "))
        for step, title in titles.items()
    }


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


# Every process with its parent and RSS, printed as JSON by a Python inside a container.
PROCESS_SNAPSHOT = """
import json, os
rows = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        status = open(f"/proc/{pid}/status").read()
        cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode()
    except OSError:
        continue
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss = int(fields.get("VmRSS", "0 kB").split()[0])
    rows.append({"pid": int(pid), "ppid": int(fields["PPid"]), "cmd": cmd, "rss_kb": rss})
print(json.dumps(rows))
"""


def workers(processes: list[dict]) -> list[dict]:
    """uvicorn's worker processes (multiprocessing spawns them) among a process list."""
    return [row for row in processes if "spawn_main" in row["cmd"]]


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
    name = unique("fut")
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
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
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

    def processes(self) -> list[dict]:
        return json.loads(self.exec("python", "-c", PROCESS_SNAPSHOT))

    def wait_until_serving(self, timeout: float = 30) -> None:
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
