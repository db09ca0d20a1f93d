"""The benchmark's verdicts and its Markdown table: pure functions of the measured figures."""

import statistics

MB = 1_000_000
# A code-only rebuild must take at most this share of the uv-docker-example pattern's.
REBUILD_SHARE = 0.5

ROWS = [
    ("cold_build_s", "Cold build (s, no layer reused; uv's cache mount as it was)"),
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
    ("rps_quiet_1w", "Requests/s, 1 worker, request log off"),
    ("rps_quiet_2w", "Requests/s, 2 workers, request log off"),
    ("rss_per_worker_mb_1w", "RSS per worker after load, 1 worker (MB)"),
    ("rss_per_worker_mb_2w", "RSS per worker after load, 2 workers (MB)"),
    ("sigterm_to_exit_s", "SIGTERM to exit (s)"),
]
# Each ratio column: the template's figure over this target's.
REFERENCES = ("baseline", "uv-example")


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def goals(images: dict[str, dict], direct: dict) -> list[tuple[str, bool]]:
    """The issues' goals, each with whether this run met it."""
    template, pattern = images["template"], images["uv-example"]
    share = template["rebuild_s"] / pattern["rebuild_s"]
    pairs = zip(template["rebuild_s_runs"], pattern["rebuild_s_runs"], strict=True)
    faster = sum(a < b for a, b in pairs)
    new_bytes = template["rebuild_new_layer_bytes"]
    checks = [
        (f"code-only rebuild adds < 1 MB of layers: {new_bytes:,} bytes", new_bytes < MB),
        (
            f"code-only rebuild time <= {REBUILD_SHARE}x the uv-docker-example pattern's: "
            f"{share:.2f}x (medians), faster in {faster} of {len(template['rebuild_s_runs'])} "
            "interleaved rebuilds",
            share <= REBUILD_SHARE,
        ),
    ]
    for count in (1, 2):
        ours_rps, direct_rps = template[f"rps_quiet_{count}w"], direct[f"rps_quiet_{count}w"]
        checks.append(
            (
                f"throughput in the container >= 0.95x the same app outside it, {count} "
                f"worker(s), request log off in both: {ours_rps / direct_rps:.2f}x",
                ours_rps >= 0.95 * direct_rps,
            )
        )
    return checks


def ratio(value: float | None, reference: float | None) -> str:
    return f"{value / reference:.2f}x" if value is not None and reference else "-"


def markdown(report: dict) -> str:
    targets, direct = report["images"], report["direct"]
    names = list(targets)
    references = [name for name in REFERENCES if name in targets]
    header = ["Figure", *names, *(f"template / {name}" for name in references),
              "direct (`uv run`)"]  # fmt: skip
    lines = [
        f"Measured {report['date']} on {report['machine']}; medians of {report['runs']} runs "
        f"({report['rebuilds']} rebuilds), {report['load']}.",
        "",
        "The direct run: `uv run fastapi run`, "
        + (
            "in a CPU cgroup of its own, as a service manager runs a service."
            if direct.get("own_cpu_cgroup")
            else "in the load generator's CPU cgroup (no permission to make one)."
        ),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for key, label in ROWS:
        values = [targets[name].get(key) for name in names]
        cells = ["-" if v is None else f"{v:,}" for v in values]
        cells += [ratio(values[0], targets[name].get(key)) for name in references]
        cells.append(f"{direct[key]:,}" if key in direct else "-")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    template = targets["template"]
    overhead = [
        f"{label}: {ratio(template[f'rps_{kind}1w'], direct[f'rps_{kind}1w'])} (1 worker), "
        f"{ratio(template[f'rps_{kind}2w'], direct[f'rps_{kind}2w'])} (2)"
        for kind, label in (("", "request log on"), ("quiet_", "request log off"))
    ]
    lines += ["", "Container / direct throughput, " + "; ".join(overhead) + ".", ""]
    lines += [f"- {'PASS' if ok else 'FAIL'}: {goal}" for goal, ok in report["goals"]]
    return "\n".join(lines) + "\n"
