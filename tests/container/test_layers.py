"""The headline feature: a code-only change rebuilds without touching the dependency layer."""

import uuid

import pytest

from tests.paths import REPO

from .engine import build_image, copy_repository, docker, layer_ids, layer_sizes

pytestmark = pytest.mark.container

ONE_MB = 1_000_000


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


def test_code_only_change_reuses_the_dependency_layer(tmp_path, image):
    context = tmp_path / "context"
    copy_repository(context)

    before = f"fastapi-uv-template:layers-{uuid.uuid4().hex[:8]}"
    after = f"{before}-changed"
    try:
        build_image(context, before)
        # A real code change, unique per run so that no earlier build can have cached it.
        routes = next((context / "src").glob("*/routes/items.py"))
        marker = uuid.uuid4().hex
        routes.write_text(
            routes.read_text()
            + f'\n\n@router.get("/changed")\ndef changed() -> str:\n    return "{marker}"\n'
        )
        log = build_image(context, after)

        run_steps = steps(log, "RUN ")
        (dependencies,) = [title for title in run_steps if "--no-install-project" in title]
        assert "CACHED" in run_steps[dependencies], "the dependency step ran again"
        # No build step runs at all, only the final COPY: as fast as a rebuild gets.
        ran = [title for title, lines in run_steps.items() if "CACHED" not in lines]
        assert ran == [], f"a code-only change ran build steps: {ran}"
        old, new = layer_ids(before), layer_ids(after)
        assert len(old) == len(new)
        reused = [a == b for a, b in zip(old, new, strict=True)]
        # Everything up to and including the dependency layer is byte-for-byte the same;
        # only the project's own layer is new.
        assert reused == [True] * (len(old) - 1) + [False]
        new_bytes = sum(
            size for size, same in zip(layer_sizes(after), reused, strict=True) if not same
        )
        print(f"\ncode-only change: {new_bytes} bytes of new layers, {len(old) - 1} layers reused")
        assert 0 < new_bytes < ONE_MB
    finally:
        docker("rmi", "--force", before, after, check=False)


def test_a_python_version_unlike_the_images_stops_the_build(engine):
    # The version names site-packages, where the code is copied: a mismatch must not build.
    result = docker(
        "build", "--network=host", "--target=builder", "--build-arg=PYTHON_VERSION=3.9", str(REPO),
        timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "error: PYTHON_VERSION=3.9 is not PYTHON_IMAGE's Python" in result.stderr
