from fastapi.testclient import TestClient

from fastapi_uv_template.dependencies import SettingsDep, get_settings
from fastapi_uv_template.main import create_app
from fastapi_uv_template.settings import Settings


def test_handlers_get_the_apps_settings_and_tests_can_replace_them():
    app = create_app(Settings(title="Orders"))

    @app.get("/title")
    def title(settings: SettingsDep) -> str:
        return settings.title

    client = TestClient(app)
    assert client.get("/title").json() == "Orders"
    app.dependency_overrides[get_settings] = lambda: Settings(title="Replaced")
    assert client.get("/title").json() == "Replaced"
