from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from fastapi_uv_template.main import create_app
from fastapi_uv_template.settings import Settings


@pytest.fixture
def client() -> Iterator[TestClient]:
    """The service as the server runs it; the context runs the lifespan."""
    with TestClient(create_app(Settings())) as client:
        yield client
