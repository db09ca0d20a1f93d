import pytest

from fastapi_uv_template.core.config import SettingsError, load
from fastapi_uv_template.settings import Settings


def test_the_title_defaults_to_the_project_name(monkeypatch):
    monkeypatch.delenv("APP_TITLE", raising=False)
    assert load(Settings).title.strip()
    monkeypatch.setenv("APP_TITLE", "Orders")
    assert load(Settings).title == "Orders"


def test_an_empty_title_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("APP_TITLE", "")
    with pytest.raises(SettingsError, match=r"^invalid setting APP_TITLE='': "):
        load(Settings)
