"""Fixtures for tests that need the container engine: the image under test and containers started
from it. Loaded with `pytest_plugins` by each suite that uses them."""

import os
from collections.abc import Callable, Iterator

import pytest

from .engine import Container, build_image, docker, engine_problem, run_container, unique
from .paths import REPO


@pytest.fixture(scope="session")
def engine() -> None:
    """A Docker engine with BuildKit: without one, skip locally and fail under CI."""
    reason = engine_problem()
    if reason and os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so container tests must run)")
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def image(engine: None) -> Iterator[str]:
    """The image built from this repository (or TEST_IMAGE, an image built elsewhere)."""
    if tag := os.environ.get("TEST_IMAGE"):
        yield tag
        return
    # A tag of this run's own, so that two runs on one engine neither share nor remove it.
    tag = unique("service") + ":test"
    build_image(REPO, tag)
    yield tag
    docker("rmi", "--force", tag, check=False)


@pytest.fixture(scope="session")
def start(image: str) -> Iterator[Callable[..., Container]]:
    """Start a container from the image: `start(*docker_run_flags, env={...})`, port published."""
    started: list[Container] = []

    def run(*flags: str, env: dict[str, str] | None = None, wait: bool = True) -> Container:
        container = run_container(image, *flags, env=env)
        started.append(container)
        if wait:
            container.wait_until_serving()
        return container

    yield run
    for container in started:
        container.remove()
