"""The headline feature: a code-only change rebuilds without touching the dependency layer."""

import uuid

import pytest
from template.support import steps

from tests.support.engine import build_image, copy_repository, docker, layer_ids, layer_sizes

pytestmark = pytest.mark.container

ONE_MB = 1_000_000


def test_code_only_change_reuses_the_dependency_layer(tmp_path, image):
    context = tmp_path / "context"
    copy_repository(context)

    before = f"layers-{uuid.uuid4().hex[:8]}:before"
    after = f"{before}-changed"
    try:
        build_image(context, before)
        # A real code change, unique per run so that no earlier build can have cached it.
        main = next((context / "src").glob("*/main.py"))
        marker = uuid.uuid4().hex
        main.write_text(main.read_text() + f'\nMARKER = "{marker}"\n')
        log = build_image(context, after)

        run_steps = steps(log, "RUN ")
        (dependencies,) = [title for title in run_steps if "--no-install-project" in title]
        assert "CACHED" in run_steps[dependencies], "the dependency step ran again"
        # Only the step that builds and installs the project's wheel runs again.
        ran = [title for title, lines in run_steps.items() if "CACHED" not in lines]
        assert len(ran) == 1, f"a code-only change ran these build steps: {ran}"
        assert "uv build" in ran[0]
        old, new = layer_ids(before), layer_ids(after)
        assert len(old) == len(new)
        reused = [a == b for a, b in zip(old, new, strict=True)]
        # Everything up to and including the dependency layer is byte-for-byte the same;
        # only the project's own layer is new.
        assert reused == [True] * (len(old) - 1) + [False]
        new_bytes = sum(
            size for size, same in zip(layer_sizes(after), reused, strict=True) if not same
        )
        # The rebuilt image runs the changed code, not a cached copy of the old one.
        module = f"{main.parent.name}.main"
        check = f"import inspect, {module} as m; assert {marker!r} in inspect.getsource(m)"
        docker("run", "--rm", after, "python", "-c", check)
        print(f"\ncode-only change: {new_bytes} bytes of new layers, {len(old) - 1} layers reused")
        assert 0 < new_bytes < ONE_MB
    finally:
        docker("rmi", "--force", before, after, check=False)
