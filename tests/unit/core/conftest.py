"""The platform on an app of its own, with the routes a service would add: platform tests never
depend on the service's routes."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from fastapi_uv_template.core.app import new_app
from fastapi_uv_template.core.config import PlatformSettings


def platform_app(**settings: object) -> FastAPI:
    app = new_app(PlatformSettings(**settings), title="Platform")  # type: ignore[arg-type]

    @app.get("/numbers/{number}")
    def number(number: int, request: Request) -> dict[str, object]:
        return {"number": number, "request_id": request.state.request_id}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    return app


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(platform_app()) as client:
        yield client
