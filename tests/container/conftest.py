"""Fixtures: the image under test, and containers started from it."""

import os
from collections.abc import Iterator

import pytest

from .engine import Container, build_image, docker, run_container, unique
from tests.paths import REPO


@pytest.fixture(scope="session")
def image(engine) -> Iterator[str]:
    if tag := os.environ.get("TEST_IMAGE"):
        yield tag
        return
    # A tag of this run's own, so that two runs on one engine neither share nor remove it.
    tag = unique("fastapi-uv-template") + ":test"
    build_image(REPO, tag)
    yield tag
    docker("rmi", "--force", tag, check=False)


@pytest.fixture(scope="session")
def start(image) -> Iterator:
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


@pytest.fixture
def network(engine) -> Iterator[str]:
    """A user-defined network, as Compose makes one per project: containers find each other by
    name on it."""
    name = unique("fut-net")
    docker("network", "create", name)
    yield name
    docker("network", "rm", name, check=False)


@pytest.fixture
def database(image, network) -> Iterator[str]:
    """A stand-in database on the network as `db:5432`: any TCP server will do."""
    name = unique("fut-db")
    docker("run", "--detach", f"--name={name}", f"--network={network}", "--network-alias=db",
           image, "python", "-m", "http.server", "5432")  # fmt: skip
    yield name
    docker("rm", "--force", name, check=False)
