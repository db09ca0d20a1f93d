"""Serve the app, in a container or directly, and load it with wrk on 127.0.0.1."""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from template.support import PROCESS_SNAPSHOT, workers

from .report import MB, median
from tests.support.engine import SERVICE_PORT, docker, free_port, poll
from tests.support.paths import REPO

LOAD_PATH = "/items/5?q=x"
# No request log line: what the container itself costs, without the engine's log shipping.
QUIET = {"APP_LOG_LEVEL": "warning"}
# Where the kernel's CPU controller is mounted: cgroup v1, else the unified v2 hierarchy.
CPU_CGROUPS = [Path("/sys/fs/cgroup/cpu"), Path("/sys/fs/cgroup")]


def own_cpu_cgroup() -> Path | None:
    """A new CPU cgroup for the direct run, if this user may make one.

    The engine puts each container in a CPU cgroup of its own, as systemd does with a service,
    and the kernel shares CPU time between cgroups, not processes: a direct server left in the
    load generator's cgroup would get a larger share than the container and flatter the ratio.
    """
    for root in CPU_CGROUPS:
        if (root / "cpu.shares").exists() or "cpu" in _controllers(root).split():
            try:
                path = root / f"bench-{uuid.uuid4().hex[:8]}"
                path.mkdir()
                return path
            except OSError:
                return None
    return None


def _controllers(root: Path) -> str:
    try:
        return (root / "cgroup.subtree_control").read_text()
    except OSError:
        return ""


def wait_for_200(port: int, timeout: float = 60) -> None:
    def answers() -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
            return answer.status == 200

    # Every 5 ms: the start time is measured to this first answer.
    if not poll(answers, timeout, interval=0.005):
        raise TimeoutError(f"nothing answered on 127.0.0.1:{port} within {timeout} s")


class Server:
    """The app serving on a free loopback port: in a container, or directly with `uv run`."""

    def __init__(self, image: str | None, workers: int = 1, env: dict | None = None) -> None:
        self.image, self.port = image, free_port()
        env = {**(env or {}), "WEB_CONCURRENCY": str(workers)}
        began = time.monotonic()
        self.cgroup: Path | None = None
        if image:
            self.name = f"bench-{uuid.uuid4().hex[:8]}"
            env_flags = [f"--env={k}={v}" for k, v in env.items()]
            # A port published on 127.0.0.1, as users run it and as the tests reach it.
            docker("run", "--detach", f"--publish=127.0.0.1:{self.port}:{SERVICE_PORT}",
                   f"--name={self.name}", *env_flags, image)  # fmt: skip
        else:  # its log is kept in a file, as the engine keeps a container's
            self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
            self.cgroup = own_cpu_cgroup()
            self.process = subprocess.Popen(
                ["uv", "run", "--locked", "fastapi", "run", "--host", "127.0.0.1"],
                cwd=REPO, env={**os.environ, **env, "PORT": str(self.port)}, stdout=self.log,
                stderr=subprocess.STDOUT,
                preexec_fn=self.enter_cgroup,
            )  # fmt: skip
        wait_for_200(self.port)
        self.start_s = time.monotonic() - began

    def enter_cgroup(self) -> None:
        """Runs in the direct server's process before uv starts; its children inherit it."""
        if self.cgroup:
            (self.cgroup / "cgroup.procs").write_text(str(os.getpid()))

    def processes(self) -> list[dict]:
        if self.image:
            output = docker("exec", self.name, "python", "-c", PROCESS_SNAPSHOT).stdout
            return json.loads(output)
        rows = json.loads(subprocess.check_output([sys.executable, "-c", PROCESS_SNAPSHOT]))
        family, found = {self.process.pid}, True
        while found:  # the uv process, the server it runs and that server's workers
            found = False
            for row in rows:
                if row["ppid"] in family and row["pid"] not in family:
                    family.add(row["pid"])
                    found = True
        return [row for row in rows if row["pid"] in family]

    def rss_per_worker_mb(self) -> float:
        rows = self.processes()
        serving = workers(rows) or [  # else a single process serves
            r for r in rows if "fastapi" in r["cmd"] and "uv run" not in r["cmd"]
        ]
        return round(statistics.median(row["rss_kb"] for row in serving) * 1024 / MB, 1)

    def stop(self) -> float:
        began = time.monotonic()
        if self.image:
            docker("stop", "--time=30", self.name, timeout=60)
            docker("rm", self.name)
        else:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
            self.log.close()
            if self.cgroup:
                with suppress(OSError):  # a straggler keeps it busy; an empty cgroup is harmless
                    self.cgroup.rmdir()
        return time.monotonic() - began


def wrk(port: int, seconds: int, connections: int, scheme: str = "http") -> dict[str, float]:
    command = [
        "wrk", "--latency", "--threads=1", f"--connections={connections}",
        f"--duration={seconds}s", f"{scheme}://127.0.0.1:{port}{LOAD_PATH}",
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def percentile(p: str) -> float:
        value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)$", output, re.MULTILINE).groups()
        return round(float(value) * scale[unit], 3)

    return {"rps": rps, "p50_ms": percentile("50"), "p99_ms": percentile("99")}


def measure_start_and_stop(image: str | None, runs: int) -> dict[str, float]:
    starts, stops, cgroups = [], [], set()
    for _ in range(runs):
        server = Server(image)
        starts.append(server.start_s)
        cgroups.add(server.cgroup is not None)
        stops.append(server.stop())
    figures = {"start_to_first_200_s": median(starts), "sigterm_to_exit_s": median(stops)}
    if image is None:
        figures["own_cpu_cgroup"] = cgroups == {True}
    return figures


@contextmanager
def serving(variants: dict[str, tuple[str | None, dict]], workers: int) -> Iterator[dict]:
    """Every variant (an image, or None to serve directly; extra environment) serving at once."""
    with ExitStack() as stack:
        servers = {}
        for name, (image, env) in variants.items():
            servers[name] = Server(image, workers, env)
            stack.callback(servers[name].stop)
        yield servers


def measure_load(
    variants: dict[str, tuple[str | None, dict]], args: argparse.Namespace
) -> dict[str, dict[str, float]]:
    """Throughput, latency and memory of every variant, loaded in turn, round after round."""
    figures: dict[str, dict[str, float]] = {name: {} for name in variants}
    for count in (1, 2):
        with serving(variants, count) as servers:
            results: dict[str, list[dict]] = {name: [] for name in servers}
            for server in servers.values():
                wrk(server.port, 1, args.connections)  # warm-up
            for _ in range(args.runs):
                for name, server in servers.items():
                    results[name].append(wrk(server.port, args.duration, args.connections))
            for name, server in servers.items():
                for key in ("rps", "p50_ms", "p99_ms"):
                    figures[name][f"{key}_{count}w"] = median([r[key] for r in results[name]])
                figures[name][f"rss_per_worker_mb_{count}w"] = server.rss_per_worker_mb()
    return figures
