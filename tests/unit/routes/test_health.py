import pytest
from fastapi.testclient import TestClient

from fastapi_uv_template.main import create_app
from fastapi_uv_template.settings import Settings


def test_liveness_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_follows_the_lifespan():
    app = create_app(Settings())
    # Without the context manager the lifespan has not run: startup is not finished.
    before = TestClient(app).get("/readyz")
    assert (before.status_code, before.json()) == (503, {"status": "not ready"})

    with TestClient(app) as client:
        during = client.get("/readyz")
        assert (during.status_code, during.json()) == (200, {"status": "ready"})

    # Shutdown has begun (and ended): readiness fails again, liveness still answers.
    after = TestClient(app)
    assert after.get("/readyz").status_code == 503
    assert after.get("/healthz").status_code == 200


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
