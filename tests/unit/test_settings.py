import pytest

from fastapi_uv_template.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("APP_TITLE", "APP_LOG_LEVEL", "APP_ROOT_PATH", "APP_DOCS_ENABLED"):
        monkeypatch.delenv(name, raising=False)


def test_defaults():
    settings = load_settings()
    assert (settings.log_level, settings.root_path, settings.docs_enabled) == ("info", "", True)
    # The project's name, which a generated service sets; never empty.
    assert settings.title.strip()


def test_values_come_from_prefixed_environment_variables(monkeypatch):
    monkeypatch.setenv("APP_TITLE", "Orders")
    monkeypatch.setenv("APP_LOG_LEVEL", "warning")
    monkeypatch.setenv("APP_ROOT_PATH", "/api")
    monkeypatch.setenv("APP_DOCS_ENABLED", "false")
    settings = load_settings()
    assert (settings.title, settings.log_level, settings.root_path, settings.docs_enabled) == (
        "Orders",
        "warning",
        "/api",
        False,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [("APP_LOG_LEVEL", "loud"), ("APP_DOCS_ENABLED", "maybe")],
)
def test_invalid_value_names_the_variable_on_one_line(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert f"{variable}={value!r}" in message
    assert "\n" not in message


def test_every_invalid_variable_is_reported(monkeypatch):
    monkeypatch.setenv("APP_LOG_LEVEL", "loud")
    monkeypatch.setenv("APP_DOCS_ENABLED", "maybe")
    with pytest.raises(SettingsError, match=r"APP_LOG_LEVEL.*; APP_DOCS_ENABLED"):
        load_settings()
