import pytest
from fastapi.testclient import TestClient

from fastapi_uv_template.main import create_app
from fastapi_uv_template.settings import Settings


@pytest.fixture
def client() -> TestClient:
    """A client whose context runs the lifespan, as a server would."""
    with TestClient(create_app(Settings())) as client:
        yield client
