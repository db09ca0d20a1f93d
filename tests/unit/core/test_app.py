import logging
from contextlib import asynccontextmanager

from fastapi.testclient import TestClient
from opentelemetry import trace

from fastapi_uv_template.core.app import new_app
from fastapi_uv_template.core.config import PlatformSettings
from fastapi_uv_template.core.logs import SERVICE_LOGGER

from .conftest import platform_app


def test_docs_and_openapi_are_served_by_default(client):
    assert "swagger-ui" in client.get("/docs").text
    assert "redoc" in client.get("/redoc").text
    assert client.get("/openapi.json").json()["info"]["title"] == "Platform"


def test_docs_can_be_turned_off():
    client = TestClient(platform_app(docs_enabled=False))
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_root_path_prefixes_the_docs_and_routes_with_or_without_the_prefix():
    client = TestClient(platform_app(root_path="/api/"))
    assert "'/api/openapi.json'" in client.get("/docs").text
    assert client.get("/openapi.json").json()["servers"] == [{"url": "/api"}]
    assert client.get("/numbers/5").json()["number"] == 5
    assert client.get("/api/numbers/5").json()["number"] == 5


def test_log_level_applies_to_the_services_loggers():
    platform_app(log_level="warning")
    assert logging.getLogger(SERVICE_LOGGER).level == logging.WARNING
    platform_app(log_level="debug")
    assert logging.getLogger(SERVICE_LOGGER).level == logging.DEBUG


def test_the_services_lifespan_runs_inside_the_platforms_which_logs(caplog):
    caplog.set_level("INFO", logger=SERVICE_LOGGER)
    events = []

    @asynccontextmanager
    async def lifespan(app):
        events.append("startup complete" in caplog.text)
        yield
        events.append("shutdown complete" in caplog.text)

    with TestClient(new_app(PlatformSettings(), lifespan=lifespan)):
        assert "startup complete" in caplog.text
    assert "shutdown complete" in caplog.text
    assert events == [False, False]


def test_tracing_is_off_without_an_endpoint(client, monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    client.get("/numbers/1")
    # No SDK provider was installed: FastAPI keeps the no-op proxy and skips span work.
    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"
