"""The dev stage: what `docker compose watch` and `docker compose run` rely on."""

import time
from collections.abc import Iterator

import pytest

from tests.paths import REPO

from .engine import build_image, compose, docker, run_container, unique

pytestmark = pytest.mark.container


@pytest.fixture(scope="module")
def compose_project(engine) -> Iterator[str]:
    """A Compose project of this run's own, its `web` image built from the dev stage.

    Compose names a service's image `<project>-web`; building it first is what `docker compose
    build` would do (Compose's own build needs the buildx plugin).
    """
    project = unique("fut-dev")
    build_image(REPO, f"{project}-web", "--target=dev")
    yield project
    compose(project, "down", "--timeout=5")
    docker("rmi", "--force", f"{project}-web", check=False)


def test_the_test_suite_runs_inside_the_dev_image(compose_project):
    # The README's command, as a developer types it.
    result = compose(compose_project, "run", "--rm", "web", "pytest", "tests/unit")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
    assert "failed" not in result.stdout


def test_dev_stage_reloads_code_synced_into_it(compose_project):
    """What `docker compose watch` relies on: an edit under /app/src is served without a rebuild."""
    container = run_container(f"{compose_project}-web")
    try:
        container.wait_until_serving(timeout=60)
        assert container.get_json("/") == (200, {"Hello": "World"})
        # Stand-in for the sync action: the same file, changed in place.
        container.exec("sh", "-c", 'sed -i \'s/"World"/"Watch"/\' /app/src/*/routes/items.py')
        deadline = time.monotonic() + 30
        while True:
            try:
                if container.get_json("/") == (200, {"Hello": "Watch"}):
                    break
            except OSError:  # the server is restarting
                pass
            assert time.monotonic() < deadline, container.logs()
            time.sleep(0.3)
    finally:
        container.remove()
