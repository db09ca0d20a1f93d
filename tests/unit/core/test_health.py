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
def test_probes_answer_head_and_name_both_methods_when_refusing_another(client, path):
    response = client.head(path)
    assert (response.status_code, response.content) == (200, b"")
    refused = client.post(path)
    assert refused.status_code == 405
    assert set(refused.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


def test_readiness_checks_the_declared_services_and_liveness_does_not():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        up, down = f"127.0.0.1:{listening.getsockname()[1]}", f"127.0.0.1:{free_port()}"
        with TestClient(platform_app(wait_for=f"{up},{down}", ready_details=True)) as client:
            response = client.get("/readyz")
            assert client.get("/healthz").status_code == 200
    assert (response.status_code, response.json()["status"]) == (503, "not ready")
    assert list(response.json()["failing"]) == [down]


def test_readiness_names_what_fails_in_the_log_and_to_clients_only_if_asked(caplog):
    async def database() -> None:
        raise ConnectionError("db.internal:5432 refused")

    app = platform_app(ready_cache_seconds=0)
    app.state.readiness.add("database", database)
    with TestClient(app) as client:
        answers = [client.get("/readyz") for _ in range(2)]
    assert [answer.json() for answer in answers] == [{"status": "not ready"}] * 2
    # One record per change, not per probe.
    (record,) = [r for r in caplog.records if r.getMessage() == "not ready"]
    assert record.failing == {"database": "db.internal:5432 refused"}


def test_the_services_own_checks_join_in_and_results_are_cached():
    calls = []

    async def database() -> None:
        calls.append(1)
        raise ConnectionError("database is read-only")

    app = platform_app(ready_cache_seconds=60, ready_details=True)
    app.state.readiness.add("database", database)
    with TestClient(app) as client:
        answers = [client.get("/readyz") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [503] * 3
    assert answers[0].json()["failing"] == {"database": "database is read-only"}
    assert len(calls) == 1  # the probes within the cache time asked the database once


def test_a_check_that_hangs_fails_in_time():
    async def hangs() -> None:
        await asyncio.sleep(60)

    app = platform_app(ready_timeout=0.2, ready_details=True)
    app.state.readiness.add("slow", hangs)
    with TestClient(app) as client:
        assert client.get("/readyz").json()["failing"] == {"slow": "no answer in time"}
