from collections.abc import Iterator

import pytest

from tests.support.engine import docker, unique

# The service's own container fixtures: the image built from this repository, containers, networks.
pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture
def database(image, network) -> Iterator[str]:
    """A stand-in database on the network as `db:5432`: any TCP server will do."""
    name = unique("db")
    docker("run", "--detach", f"--name={name}", f"--network={network}", "--network-alias=db",
           image, "python", "-m", "http.server", "5432")  # fmt: skip
    yield name
    docker("rm", "--force", name, check=False)


@pytest.fixture
def network(engine: None) -> Iterator[str]:
    """A user-defined network, as Compose makes one per project: containers find each other by
    name on it."""
    name = unique("net")
    docker("network", "create", name)
    yield name
    # The test's containers still on it go first (a network with containers cannot be removed).
    attached = docker(
        "network", "inspect", "--format", "{{range $id, $_ := .Containers}}{{$id}} {{end}}", name
    )
    if ids := attached.stdout.split():
        docker("rm", "--force", *ids, check=False)
    docker("network", "rm", name, check=False)
