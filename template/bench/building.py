"""Build an image cold, then again after code-only changes, and measure time and new layers."""

import re
import statistics
import time
import uuid
from pathlib import Path

from template.support import python_image

from .report import MB, median
from tests.support.engine import build_image, docker, layer_ids, layer_sizes

PYTHON_IMAGE = python_image()


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

    def __init__(self, name: str, context: Path, dockerfile: Path, serve: bool = True) -> None:
        self.name, self.context, self.dockerfile = name, context, dockerfile
        # Only built and rebuilt (the uv-docker-example pattern) when not served under load.
        self.serve = serve
        self.tag = f"bench-{name}-{uuid.uuid4().hex[:8]}:latest"
        self.figures: dict[str, float | int | None] = {}

    def build(self, cold: bool = False) -> float:
        dockerfile = self.dockerfile
        if cold:  # a copy whose every stage starts with a new build argument: no layer matches
            dockerfile = self.context.parent / f"{self.name}.cold.Dockerfile"
            marker = f"ARG BENCH_COLD_BUILD={uuid.uuid4().hex}"
            dockerfile.write_text(
                re.sub(r"^(FROM .*)$", rf"\1\n{marker}", self.dockerfile.read_text(), flags=re.M)
            )
        began = time.monotonic()
        build_image(
            self.context, self.tag, f"--file={dockerfile}",
            f"--build-arg=PYTHON_IMAGE={PYTHON_IMAGE}",
        )  # fmt: skip
        return time.monotonic() - began

    def remove(self) -> None:
        docker("rmi", "--force", self.tag, check=False)


def measure_builds(targets: list[Target], rebuilds: int) -> None:
    for target in targets:
        # No layer is reused; uv's cache mount stays as it is. Not --no-cache, which would hand
        # every later build an empty cache mount: the engine's build cache is the user's.
        target.figures["cold_build_s"] = round(target.build(cold=True), 2)
    times: dict[str, list[float]] = {target.name: [] for target in targets}
    new_bytes: dict[str, list[int]] = {target.name: [] for target in targets}
    for _ in range(rebuilds):
        for target in targets:
            before = layer_ids(target.tag)
            change_code(target.context)
            times[target.name].append(round(target.build(), 3))
            after, sizes = layer_ids(target.tag), layer_sizes(target.tag)
            added = [size for layer, size in zip(after, sizes, strict=True) if layer not in before]
            new_bytes[target.name].append(sum(added))
    base = int(docker("image", "inspect", "--format", "{{.Size}}", PYTHON_IMAGE).stdout)
    for target in targets:
        target.figures["rebuild_s"] = median(times[target.name])
        target.figures["rebuild_s_runs"] = times[target.name]
        target.figures["rebuild_new_layer_bytes"] = int(statistics.median(new_bytes[target.name]))
        size = int(docker("image", "inspect", "--format", "{{.Size}}", target.tag).stdout)
        target.figures["image_mb"] = round(size / MB, 1)
        target.figures["above_base_mb"] = round((size - base) / MB, 1)
