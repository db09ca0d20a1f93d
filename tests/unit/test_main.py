import logging
import os
import subprocess
import sys
from typing import Annotated

from fastapi import Depends
from fastapi.testclient import TestClient

from fastapi_uv_template.dependencies import get_settings
from fastapi_uv_template.main import create_app
from fastapi_uv_template.settings import Settings


def test_docs_and_openapi_are_served_by_default(client):
    assert "swagger-ui" in client.get("/docs").text
    assert "redoc" in client.get("/redoc").text
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == Settings().title
    assert {"/", "/items/{item_id}", "/healthz", "/readyz"} <= set(schema["paths"])


def test_docs_can_be_turned_off():
    client = TestClient(create_app(Settings(docs_enabled=False)))
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_title_comes_from_settings():
    client = TestClient(create_app(Settings(title="Orders")))
    assert client.get("/openapi.json").json()["info"]["title"] == "Orders"


def test_root_path_prefixes_the_docs_links():
    client = TestClient(create_app(Settings(root_path="/api")))
    assert "'/api/openapi.json'" in client.get("/docs").text
    assert client.get("/openapi.json").json()["servers"] == [{"url": "/api"}]


def test_root_path_routes_with_or_without_the_prefix_stripped_by_the_proxy():
    client = TestClient(create_app(Settings(root_path="/api/")))
    assert client.get("/items/5").json() == {"item_id": 5, "q": None}
    assert client.get("/api/items/5").json() == {"item_id": 5, "q": None}


def test_log_level_setting_applies_to_the_package_logger():
    create_app(Settings(log_level="warning"))
    assert logging.getLogger("fastapi_uv_template").level == logging.WARNING
    create_app(Settings(log_level="debug"))
    assert logging.getLogger("fastapi_uv_template").level == logging.DEBUG


def test_bad_setting_stops_the_import_with_one_line_and_no_traceback():
    result = subprocess.run(
        [sys.executable, "-c", "import fastapi_uv_template.main"],
        env={**os.environ, "APP_LOG_LEVEL": "loud"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: invalid setting APP_LOG_LEVEL='loud'")


def test_handlers_read_the_settings_through_a_dependency():
    app = create_app(Settings(title="Orders"))

    @app.get("/title")
    def title(settings: Annotated[Settings, Depends(get_settings)]) -> str:
        return settings.title

    client = TestClient(app)
    assert client.get("/title").json() == "Orders"
    app.dependency_overrides[get_settings] = lambda: Settings(title="Overridden")
    assert client.get("/title").json() == "Overridden"
