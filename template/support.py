"""Helpers of the template's proofs and benchmark that a service does not need; the ones it
does need are in tests/support/."""

import json
import os
import re
import subprocess
from pathlib import Path

from tests.support.engine import Container
from tests.support.paths import REPO, TOOLS


def python_image() -> str:
    """The Python base image: $PYTHON_IMAGE, else the Dockerfile's default."""
    default = re.search(r"^ARG PYTHON_IMAGE=(\S+)", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    return os.environ.get("PYTHON_IMAGE", default.group(1))


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


def https(port: int, ca: Path, path: str, *options: str) -> tuple[int, str]:
    """curl --cacert over HTTPS to 127.0.0.1, as the README shows (curl from PATH): the status
    and the body."""
    result = subprocess.run(
        ["curl", "--silent", "--show-error", "--cacert", str(ca), "--max-time", "20",  # noqa: S607
         "--write-out", "\n%{http_code}", *options, f"https://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    body, _, status = result.stdout.rpartition("\n")
    return int(status), body


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


def processes(container: Container) -> list[dict]:
    """Every process in the container, with its parent and RSS."""
    return json.loads(container.exec("python", "-c", PROCESS_SNAPSHOT))


# compose.production.yaml moved out of the way of other runs on the engine: free loopback ports,
# a subnet of the run's own with the proxy's address, and a folder of certificates.
PRODUCTION_OVERRIDE = """
x-trust: &trust
  environment:
    FORWARDED_ALLOW_IPS: "{subnet}.254"
services:
  prestart: *trust
  web: *trust
  proxy:
    ports: !override ["127.0.0.1::443", "127.0.0.1::80"]
    volumes: !override
      - "{repo}/deploy/proxy/nginx.conf:/etc/nginx/conf.d/default.conf:ro"
      - "{certs}:/etc/nginx/certs:ro"
    networks:
      backend:
        ipv4_address: "{subnet}.254"
networks:
  backend:
    ipam:
      config: !override
        - subnet: "{subnet}.0/24"
"""


def production_override(path: Path, subnet: str, certs: Path) -> Path:
    """An override file for compose.production.yaml; `subnet` is the first three octets."""
    path.write_text(PRODUCTION_OVERRIDE.format(subnet=subnet, certs=certs, repo=REPO))
    return path


def section(readme: Path, title: str) -> str:
    """The text under a `## title` heading of a Markdown file, up to the next one."""
    return readme.read_text().split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL)


RELEASE_SCRIPT = REPO / ".github" / "release.sh"


def release(*args: str, cwd: Path = REPO, **env: str | None) -> subprocess.CompletedProcess:
    """`.github/release.sh` as CI runs it, with these variables set (or unset, for None); its
    probe keeps its own deadline, which allows for a busy host."""
    environment = {**os.environ, **env}
    return subprocess.run(
        [str(RELEASE_SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=600,
        env={name: value for name, value in environment.items() if value is not None},
    )  # fmt: skip
