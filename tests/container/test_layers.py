"""The headline feature: a code-only change rebuilds without touching the dependency layer."""

import uuid

import pytest

from .engine import build_image, copy_repository, docker, layer_ids, layer_sizes

pytestmark = pytest.mark.container

ONE_MB = 1_000_000


def dependency_step(log: str) -> str:
    """The build log lines of the step that installs the third-party dependencies."""
    (step,) = {line.split()[0] for line in log.splitlines() if "--no-install-project" in line}
    return "\n".join(line for line in log.splitlines() if line.startswith(f"{step} "))


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

        assert "CACHED" in dependency_step(log), "the dependency step ran again"
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
