import os
import subprocess
import sys
import tomllib

from fastapi_uv_template.main import create_app
from fastapi_uv_template.settings import Settings

from tests.support.paths import REPO


def test_the_app_carries_the_platform_and_the_title(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == Settings().title
    assert create_app(Settings(title="Orders")).title == "Orders"


def test_the_schema_shows_the_project_s_version_and_description(client):
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    info = client.get("/openapi.json").json()["info"]
    assert (info["version"], info["description"]) == (project["version"], project["description"])


def test_a_bad_setting_stops_the_import_with_one_line_and_no_traceback():
    result = subprocess.run(
        [sys.executable, "-c", f"import {create_app.__module__}"],
        env={**os.environ, "APP_TITLE": " "},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: invalid setting APP_TITLE=' ': ")
