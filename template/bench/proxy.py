"""What the TLS proxy costs: compose.production.yaml's nginx (HTTPS) against the app alone.

    uv run --project template python -m template.bench.proxy [--runs 3] [--duration 5]
        [--connections 16]

The same image and settings both ways (two workers, JSON log): through the proxy as the
Compose file runs it, and the web container's port published directly. Loads take turns,
against 127.0.0.1 only. Writes bench/results/proxy.md.
"""

import argparse
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from template.proofs.tls import make_certificate
from template.support import compose, production_override

from .serving import LOAD_PATH, wrk
from tests.support.engine import build_image, docker, run_container, unique
from tests.support.paths import REPO

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    tag = unique("bench-proxy") + ":latest"
    project = unique("bench-proxy")
    build_image(REPO, tag)
    results: dict[str, list[dict]] = {"app alone": [], "through the proxy": []}
    with tempfile.TemporaryDirectory() as certs:
        make_certificate(Path(certs))
        env = {"APP_IMAGE": tag}
        override = production_override(Path(certs) / "override.yaml", "172.28.250", Path(certs))

        def stack(*command: str) -> str:
            files = ("compose.production.yaml", str(override))
            return compose(project, *command, files=files, env=env).stdout

        direct = run_container(tag, env={"WEB_CONCURRENCY": "2", "APP_LOG_FORMAT": "json"})
        try:
            stack("up", "--no-build", "--detach", "--wait", "--wait-timeout", "120")
            https = int(stack("port", "proxy", "443").strip().rsplit(":", 1)[1])
            direct.wait_until_serving()
            targets = {"app alone": (direct.port, "http"), "through the proxy": (https, "https")}
            for port, scheme in targets.values():
                wrk(port, 1, args.connections, scheme)  # warm-up
            for _ in range(args.runs):
                for name, (port, scheme) in targets.items():
                    results[name].append(wrk(port, args.duration, args.connections, scheme))
        finally:
            direct.remove()
            stack("down", "--timeout", "10")
            docker("rmi", "--force", tag, check=False)
    table = markdown(results, args)
    (HERE / "results" / "proxy.md").write_text(table)
    print(table, file=sys.stdout)


def markdown(results: dict[str, list[dict]], args: argparse.Namespace) -> str:
    def median(name: str, key: str) -> float:
        return round(statistics.median(run[key] for run in results[name]), 2)

    alone, proxied = "app alone", "through the proxy"
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d}: medians of {args.runs} runs, wrk 1 thread, "
        f"{args.connections} connections, {args.duration} s, {LOAD_PATH}, two workers.",
        "",
        "| Figure | app alone (HTTP) | through the proxy (HTTPS) | proxy / alone |",
        "|---|---|---|---|",
    ]
    for key, label in (("rps", "Requests/s"), ("p50_ms", "p50 latency (ms)"),
                       ("p99_ms", "p99 latency (ms)")):  # fmt: skip
        a, b = median(alone, key), median(proxied, key)
        lines.append(f"| {label} | {a:,} | {b:,} | {b / a:.2f}x |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
