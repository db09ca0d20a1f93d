"""Build, start, load and stop this template's image side by side with the usual Dockerfile.

    uv run --project template python -m template.bench [--runs 3] [--rebuilds 9] [--duration 5]
        [--dockerfile Other.Dockerfile]

Needs a Docker engine with BuildKit and `wrk` on PATH. Writes bench/results/results.{md,json}.
Every load runs against 127.0.0.1 only, for a fixed number of connections and seconds. Runs that
are compared (rebuilds, loads) take turns, so that drift on a noisy machine hits all alike.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from .building import PYTHON_IMAGE, Target, measure_builds
from .report import goals, markdown
from .serving import LOAD_PATH, QUIET, measure_load, measure_start_and_stop
from tests.support.engine import copy_repository, docker
from tests.support.paths import REPO

HERE = Path(__file__).resolve().parent


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
    parser.add_argument("--rebuilds", type=int, default=9, help="code-only rebuilds per image")
    parser.add_argument("--duration", type=int, default=5, help="seconds per load run")
    parser.add_argument("--connections", type=int, default=16, help="open wrk connections")
    parser.add_argument("--dockerfile", type=Path, help="also measure this Dockerfile")
    parser.add_argument("--output", type=Path, default=HERE / "results")
    args = parser.parse_args()
    if args.rebuilds < 5:
        parser.error("--rebuilds must be 5 or more: a median of fewer rebuilds is mostly noise")
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
            Target("uv-example", template_context, HERE / "uv-example.Dockerfile", serve=False),
        ]
        if args.dockerfile:
            targets.append(Target("custom", template_context, args.dockerfile.resolve()))
        print("building …", file=sys.stderr)
        measure_builds(targets, args.rebuilds)

    try:
        report = measure(targets, args)
    finally:
        for target in targets:
            target.remove()
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (args.output / "results.md").write_text(table)
    print(table)


def measure(targets: list[Target], args: argparse.Namespace) -> dict:
    """Start, stop and load the images that are served, and the same app run directly."""
    served = [target for target in targets if target.serve]
    print("starting and stopping …", file=sys.stderr)
    direct = measure_start_and_stop(None, args.runs)
    for target in served:
        target.figures.update(measure_start_and_stop(target.tag, args.runs))
    print("serving under load …", file=sys.stderr)
    variants = {target.name: (target.tag, {}) for target in served}
    variants |= {"direct": (None, {}), "template_quiet": (targets[0].tag, QUIET),
                 "direct_quiet": (None, QUIET)}  # fmt: skip
    loads = measure_load(variants, args)
    for target in served:
        target.figures.update(loads[target.name])
    direct.update(loads["direct"])
    for count in (1, 2):
        targets[0].figures[f"rps_quiet_{count}w"] = loads["template_quiet"][f"rps_{count}w"]
        direct[f"rps_quiet_{count}w"] = loads["direct_quiet"][f"rps_{count}w"]

    images = {target.name: target.figures for target in targets}
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": machine(),
        "runs": args.runs,
        "rebuilds": args.rebuilds,
        "load": f"wrk: 1 thread, {args.connections} connections, {args.duration} s, {LOAD_PATH}",
        "images": images,
        "direct": direct,
        "goals": goals(images, direct),
    }


if __name__ == "__main__":
    main()
