"""Build, start, load and stop this template's image side by side with the usual Dockerfile.

    uv run python -m bench [--runs 3] [--duration 5] [--dockerfile path/to/Other.Dockerfile]

Needs a Docker engine with BuildKit and `wrk` on PATH. Writes bench/results/results.{md,json}.
Every load runs against 127.0.0.1 only, for a fixed number of connections and seconds.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from tests.container.engine import (
    PROCESS_SNAPSHOT,
    build_image,
    copy_repository,
    docker,
    free_port,
    layer_ids,
    layer_sizes,
    python_image,
    workers,
)
from tests.paths import REPO

HERE = Path(__file__).resolve().parent
PYTHON_IMAGE = python_image()
LOAD_PATH = "/items/5?q=x"
MB = 1_000_000


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def change_code(context: Path) -> None:
    """A real, unique code change: a new route in the routes module."""
    routes = next((context / "src").glob("*/routes/items.py"))
    marker = uuid.uuid4().hex[:8]
    routes.write_text(
        routes.read_text() + f'\n\n@router.get("/bench-{marker}")\ndef bench_{marker}() -> str:\n'
        f'    return "{marker}"\n'
    )


class Target:
    """One image to build and measure: its name, build context and Dockerfile."""

    def __init__(self, name: str, context: Path, dockerfile: Path) -> None:
        self.name, self.context, self.dockerfile = name, context, dockerfile
        self.tag = f"bench-{name}:latest"
        self.figures: dict[str, float | int | None] = {}

    def build(self) -> float:
        began = time.monotonic()
        build_image(
            self.context, self.tag, f"--file={self.dockerfile}",
            f"--build-arg=PYTHON_IMAGE={PYTHON_IMAGE}",
        )  # fmt: skip
        return time.monotonic() - began


def measure_builds(target: Target, runs: int) -> None:
    docker("builder", "prune", "--all", "--force", timeout=300)
    target.figures["cold_build_s"] = round(target.build(), 2)
    times, new_bytes = [], []
    for _ in range(runs):
        before = layer_ids(target.tag)
        change_code(target.context)
        times.append(target.build())
        after, sizes = layer_ids(target.tag), layer_sizes(target.tag)
        added = [size for layer, size in zip(after, sizes, strict=True) if layer not in before]
        new_bytes.append(sum(added))
    target.figures["rebuild_s"] = median(times)
    target.figures["rebuild_new_layer_bytes"] = int(statistics.median(new_bytes))
    size = int(docker("image", "inspect", "--format", "{{.Size}}", target.tag).stdout)
    base = int(docker("image", "inspect", "--format", "{{.Size}}", PYTHON_IMAGE).stdout)
    target.figures["image_mb"] = round(size / MB, 1)
    target.figures["above_base_mb"] = round((size - base) / MB, 1)


def wait_for_200(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.005)
    raise TimeoutError(f"nothing answered on 127.0.0.1:{port} within {timeout} s")


class Server:
    """The app serving on a free loopback port: in a container, or directly with `uv run`."""

    def __init__(self, image: str | None, workers: int = 1) -> None:
        self.image, self.port = image, free_port()
        env = {"PORT": str(self.port), "WEB_CONCURRENCY": str(workers)}
        began = time.monotonic()
        if image:
            self.name = f"bench-{uuid.uuid4().hex[:8]}"
            env_flags = [f"--env={k}={v}" for k, v in env.items()]
            docker("run", "--detach", "--network=host", f"--name={self.name}", *env_flags, image)
        else:
            self.process = subprocess.Popen(
                ["uv", "run", "--locked", "fastapi", "run", "--host", "127.0.0.1"],
                cwd=REPO, env={**os.environ, **env},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        wait_for_200(self.port)
        self.start_s = time.monotonic() - began

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
        return time.monotonic() - began


def wrk(port: int, seconds: int, connections: int) -> dict[str, float]:
    command = [
        "wrk", "--latency", "--threads=1", f"--connections={connections}",
        f"--duration={seconds}s", f"http://127.0.0.1:{port}{LOAD_PATH}",
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def percentile(p: str) -> float:
        value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)$", output, re.MULTILINE).groups()
        return round(float(value) * scale[unit], 3)

    return {"rps": rps, "p50_ms": percentile("50"), "p99_ms": percentile("99")}


def measure_serving(image: str | None, args: argparse.Namespace) -> dict[str, float]:
    figures: dict[str, float] = {}
    starts, stops = [], []
    for _ in range(args.runs):
        server = Server(image)
        starts.append(server.start_s)
        stops.append(server.stop())
    figures["start_to_first_200_s"] = median(starts)
    figures["sigterm_to_exit_s"] = median(stops)
    for count in (1, 2):
        server = Server(image, count)
        try:
            wrk(server.port, 1, args.connections)  # warm-up
            results = [wrk(server.port, args.duration, args.connections) for _ in range(args.runs)]
            for key in ("rps", "p50_ms", "p99_ms"):
                figures[f"{key}_{count}w"] = median([r[key] for r in results])
            figures[f"rss_per_worker_mb_{count}w"] = server.rss_per_worker_mb()
        finally:
            server.stop()
    return figures


ROWS = [
    ("cold_build_s", "Cold build (s, builder cache pruned)"),
    ("rebuild_s", "Rebuild after a code-only change (s)"),
    ("rebuild_new_layer_bytes", "New layer bytes after that change"),
    ("image_mb", "Image size (MB)"),
    ("above_base_mb", "Size above the Python base image (MB)"),
    ("start_to_first_200_s", "Start to first 200 (s)"),
    ("rps_1w", "Requests/s, 1 worker"),
    ("p50_ms_1w", "p50 latency, 1 worker (ms)"),
    ("p99_ms_1w", "p99 latency, 1 worker (ms)"),
    ("rps_2w", "Requests/s, WEB_CONCURRENCY=2"),
    ("p50_ms_2w", "p50 latency, 2 workers (ms)"),
    ("p99_ms_2w", "p99 latency, 2 workers (ms)"),
    ("rss_per_worker_mb_1w", "RSS per worker after load, 1 worker (MB)"),
    ("rss_per_worker_mb_2w", "RSS per worker after load, 2 workers (MB)"),
    ("sigterm_to_exit_s", "SIGTERM to exit (s)"),
]


def goals(template: dict, baseline: dict, direct: dict) -> list[tuple[str, bool]]:
    checks = [
        ("code-only rebuild adds < 1 MB of layers", template["rebuild_new_layer_bytes"] < MB),
        ("rebuild time <= the baseline's", template["rebuild_s"] <= baseline["rebuild_s"]),
    ]
    for count in (1, 2):
        checks.append(
            (
                f"throughput in the container >= 0.95x the same app outside it ({count}w)",
                template[f"rps_{count}w"] >= 0.95 * direct[f"rps_{count}w"],
            )
        )
    return checks


def ratio(value: float | None, reference: float | None) -> str:
    return f"{value / reference:.2f}x" if value is not None and reference else "-"


def markdown(report: dict) -> str:
    targets, direct = report["images"], report["direct"]
    names = list(targets)
    header = ["Figure", *names, "template / baseline", "direct (`uv run`)"]
    lines = [
        f"Measured {report['date']} on {report['machine']}; medians of {report['runs']} runs.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for key, label in ROWS:
        values = [targets[name].get(key) for name in names]
        cells = ["-" if v is None else f"{v:,}" for v in values]
        lines.append(
            f"| {label} | "
            + " | ".join(cells)
            + f" | {ratio(values[0], targets['baseline'].get(key))} | "
            + (f"{direct[key]:,}" if key in direct else "-")
            + " |"
        )
    overhead = [ratio(targets["template"][f"rps_{w}w"], direct[f"rps_{w}w"]) for w in (1, 2)]
    lines += ["", f"Container / direct throughput: {overhead[0]} (1 worker), {overhead[1]} (2)", ""]
    lines += [f"- {'PASS' if ok else 'FAIL'}: {goal}" for goal, ok in report["goals"]]
    return "\n".join(lines) + "\n"


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    engine = docker("version", "--format", "{{.Server.Version}}").stdout.strip()
    return f"{os.cpu_count()} x {cpu}, Docker {engine}, {PYTHON_IMAGE}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions per figure (median)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per load run")
    parser.add_argument("--connections", type=int, default=16, help="open wrk connections")
    parser.add_argument("--dockerfile", type=Path, help="also measure this Dockerfile")
    parser.add_argument("--output", type=Path, default=HERE / "results")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("error: wrk is not on PATH (apt-get install wrk, brew install wrk)")

    with tempfile.TemporaryDirectory() as scratch:
        template_context = Path(scratch) / "template"
        copy_repository(template_context)
        baseline_context = Path(scratch) / "baseline"
        # The baseline's own context: no allow-list .dockerignore, and the exported requirements.
        shutil.copytree(template_context / "src", baseline_context / "src")
        shutil.copy2(template_context / "pyproject.toml", baseline_context)
        subprocess.run(
            ["uv", "export", "--locked", "--no-dev", "--no-emit-project", "--no-hashes",
             "--quiet", "--output-file", str(baseline_context / "requirements.txt")],
            cwd=REPO, check=True,
        )  # fmt: skip
        targets = [
            Target("template", template_context, template_context / "Dockerfile"),
            Target("baseline", baseline_context, HERE / "baseline.Dockerfile"),
        ]
        if args.dockerfile:
            targets.append(Target("custom", template_context, args.dockerfile.resolve()))
        for target in targets:
            print(f"building {target.name} …", file=sys.stderr)
            measure_builds(target, args.runs)
            print(f"serving {target.name} …", file=sys.stderr)
            target.figures.update(measure_serving(target.tag, args))
    print("serving directly with uv run …", file=sys.stderr)
    direct = measure_serving(None, args)

    images = {target.name: target.figures for target in targets}
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": machine(),
        "runs": args.runs,
        "load": f"wrk: 1 thread, {args.connections} connections, {args.duration} s, {LOAD_PATH}",
        "images": images,
        "direct": direct,
        "goals": goals(images["template"], images["baseline"], direct),
    }
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (args.output / "results.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
