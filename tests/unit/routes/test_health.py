import asyncio
import socket

import pytest
from fastapi.testclient import TestClient

from fastapi_uv_template.main import create_app
from fastapi_uv_template.settings import Settings


def test_liveness_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ready_without_dependencies(client):
    assert (client.get("/readyz").status_code, client.get("/readyz").json()) == (
        200,
        {"status": "ready"},
    )


def test_readiness_checks_the_declared_services():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        up, down = f"127.0.0.1:{listening.getsockname()[1]}", f"127.0.0.1:{closed_port()}"
        with TestClient(create_app(Settings(wait_for=f"{up},{down}"))) as client:
            response = client.get("/readyz")
            assert client.get("/healthz").status_code == 200
    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert list(response.json()["failing"]) == [down]


def test_the_services_own_checks_join_in_and_results_are_cached():
    calls = []

    async def database() -> None:
        calls.append(1)
        raise ConnectionError("database is read-only")

    app = create_app(Settings(ready_cache_seconds=60))
    app.state.readiness.add("database", database)
    with TestClient(app) as client:
        answers = [client.get("/readyz") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [503] * 3
    assert answers[0].json()["failing"] == {"database": "database is read-only"}
    assert len(calls) == 1  # the probes within the cache time asked the database once


def test_a_check_that_hangs_fails_in_time():
    async def hangs() -> None:
        await asyncio.sleep(60)

    app = create_app(Settings(ready_timeout=0.2))
    app.state.readiness.add("slow", hangs)
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.json()["failing"] == {"slow": "no answer in time"}


def test_lifespan_logs_startup_and_shutdown(caplog):
    caplog.set_level("INFO", logger="fastapi_uv_template")
    with TestClient(create_app(Settings())):
        assert "startup complete" in caplog.text
    assert "shutdown complete" in caplog.text


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_head(client, path):
    response = client.head(path)
    assert response.status_code == 200
    assert response.content == b""
