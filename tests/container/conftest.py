"""Fixtures: the image under test, and containers started from it."""

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.paths import REPO

from .engine import Container, build_image, docker, free_port


@pytest.fixture(scope="session")
def image(engine) -> str:
    if tag := os.environ.get("TEST_IMAGE"):
        return tag
    tag = "fastapi-uv-template:test"
    build_image(REPO, tag)
    return tag


@pytest.fixture(scope="session")
def start(image) -> Iterator:
    """Start a container from the image: `start(*docker_run_flags, env={...})`."""
    started: list[Container] = []

    def run(*flags: str, env: dict[str, str] | None = None, wait: bool = True) -> Container:
        container = Container(name=f"fut-{uuid.uuid4().hex[:12]}", port=free_port())
        env_flags = [
            f"--env={k}={v}" for k, v in {"PORT": str(container.port), **(env or {})}.items()
        ]
        docker(
            "run",
            "--detach",
            "--network=host",
            f"--name={container.name}",
            *env_flags,
            *flags,
            image,
        )
        started.append(container)
        if wait:
            container.wait_until_serving()
        return container

    yield run
    for container in started:
        container.remove()
