"""Tracing is off unless configured, and then records one server span per request."""

import json
import subprocess
import sys

from fastapi.testclient import TestClient
from opentelemetry import trace

from fastapi_uv_template.main import create_app
from fastapi_uv_template.settings import Settings

OTEL_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")

IN_MEMORY = """
import json
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from fastapi.testclient import TestClient
from fastapi_uv_template.main import create_app
from fastapi_uv_template.settings import Settings

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
with TestClient(create_app(Settings())) as client:
    for path in ("/items/1", "/items/2?q=x", "/", "/healthz", "/readyz"):
        client.get(path)
spans = exporter.get_finished_spans()
print(json.dumps([s.name for s in spans if s.kind == trace.SpanKind.SERVER]))
"""


def test_tracing_is_off_by_default(monkeypatch):
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with TestClient(create_app(Settings())) as client:
        client.get("/items/1")
    # No SDK provider was installed: FastAPI keeps the no-op proxy and skips span work.
    assert type(trace.get_tracer_provider()).__name__ == "ProxyTracerProvider"


def test_with_an_in_memory_exporter_each_request_is_one_server_span_and_probes_none():
    # A separate interpreter: an OpenTelemetry provider is process-global and set only once.
    result = subprocess.run(
        [sys.executable, "-c", IN_MEMORY], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout) == ["GET /items/{item_id}", "GET /items/{item_id}", "GET /"]
