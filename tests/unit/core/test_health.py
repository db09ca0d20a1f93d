import asyncio
import socket

import pytest
from fastapi.testclient import TestClient

from .conftest import platform_app
from tests.support.engine import free_port


def test_liveness_and_readiness_answer_without_dependencies(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_head(client, path):
    response = client.head(path)
    assert (response.status_code, response.content) == (200, b"")


def test_readiness_checks_the_declared_services_and_liveness_does_not():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        up, down = f"127.0.0.1:{listening.getsockname()[1]}", f"127.0.0.1:{free_port()}"
        with TestClient(platform_app(wait_for=f"{up},{down}")) as client:
            response = client.get("/readyz")
            assert client.get("/healthz").status_code == 200
    assert (response.status_code, response.json()["status"]) == (503, "not ready")
    assert list(response.json()["failing"]) == [down]


def test_the_services_own_checks_join_in_and_results_are_cached():
    calls = []

    async def database() -> None:
        calls.append(1)
        raise ConnectionError("database is read-only")

    app = platform_app(ready_cache_seconds=60)
    app.state.readiness.add("database", database)
    with TestClient(app) as client:
        answers = [client.get("/readyz") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [503] * 3
    assert answers[0].json()["failing"] == {"database": "database is read-only"}
    assert len(calls) == 1  # the probes within the cache time asked the database once


def test_a_check_that_hangs_fails_in_time():
    async def hangs() -> None:
        await asyncio.sleep(60)

    app = platform_app(ready_timeout=0.2)
    app.state.readiness.add("slow", hangs)
    with TestClient(app) as client:
        assert client.get("/readyz").json()["failing"] == {"slow": "no answer in time"}
