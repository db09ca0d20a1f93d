import pytest

from fastapi_uv_template import settings as config

# The server's variables, as the image reads them.
SERVER = ("PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "APP_WAIT_TIMEOUT")
OTEL = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_HEADERS")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("APP_TITLE", "APP_LOG_LEVEL", "APP_ROOT_PATH", "APP_DOCS_ENABLED", *SERVER, *OTEL):
        monkeypatch.delenv(name, raising=False)


def test_defaults():
    settings = config.load_settings()
    assert (settings.log_level, settings.root_path, settings.docs_enabled) == ("info", "", True)
    # The project's name, which a generated service sets; never empty.
    assert settings.title.strip()


def test_values_come_from_prefixed_environment_variables(monkeypatch):
    monkeypatch.setenv("APP_TITLE", "Orders")
    monkeypatch.setenv("APP_LOG_LEVEL", "warning")
    monkeypatch.setenv("APP_ROOT_PATH", "/api")
    monkeypatch.setenv("APP_DOCS_ENABLED", "false")
    settings = config.load_settings()
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
    with pytest.raises(config.SettingsError) as raised:
        config.load_settings()
    message = str(raised.value)
    assert f"{variable}={value!r}" in message
    assert "\n" not in message


def test_every_invalid_variable_is_reported(monkeypatch):
    monkeypatch.setenv("APP_LOG_LEVEL", "loud")
    monkeypatch.setenv("APP_DOCS_ENABLED", "maybe")
    with pytest.raises(config.SettingsError, match=r"APP_LOG_LEVEL.*; APP_DOCS_ENABLED"):
        config.load_settings()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("APP_TITLE", ""),
        ("APP_TITLE", "   "),
        ("APP_ROOT_PATH", "api"),
        ("APP_WAIT_TIMEOUT", "inf"),
        ("APP_WAIT_TIMEOUT", "0"),
        ("PORT", "65536"),
        ("PORT", "0"),
        ("PORT", "http"),
        ("WEB_CONCURRENCY", ""),
        ("WEB_CONCURRENCY", "abc"),
        ("WEB_CONCURRENCY", "1.5"),
        ("WEB_CONCURRENCY", "0"),
        ("FORWARDED_ALLOW_IPS", "proxy.internal"),
        ("FORWARDED_ALLOW_IPS", "10.0.0.1,,"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "nan"),
    ],
)
def test_every_setting_the_image_reads_is_checked(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(config.SettingsError) as raised:
        config.check_settings()
    message = str(raised.value)
    assert message.startswith(f"invalid setting {variable}={value!r}: ")
    assert "\n" not in message


@pytest.mark.parametrize("value", ["*", "10.0.0.1", "10.0.0.0/8, ::1", "172.18.0.2,127.0.0.1"])
def test_trusted_proxy_addresses_take_what_uvicorn_takes(monkeypatch, value):
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", value)
    config.check_settings()


def test_a_secret_is_never_shown(monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "Bearer s3cr3t-token")
    with pytest.raises(config.SettingsError) as raised:
        config.check_settings()
    assert "OTEL_EXPORTER_OTLP_HEADERS=(hidden): " in str(raised.value)
    assert "s3cr3t" not in str(raised.value)


def test_settings_come_from_secret_files_named_like_their_variable(tmp_path):
    files = {
        "APP_TITLE": "Orders from a file\n",
        "OTEL_EXPORTER_OTLP_HEADERS": "x-token=abc",
        "APP_LOG_LEVEL": "",  # empty: sets nothing
        "APP_DOCS_ENABLED": "false",  # the environment has it already: it wins
        "UNRELATED": "ignored",
    }
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    environ = {"APP_DOCS_ENABLED": "true"}
    config.read_secret_files(environ, tmp_path)
    assert environ == {
        "APP_DOCS_ENABLED": "true",
        "APP_TITLE": "Orders from a file",
        "OTEL_EXPORTER_OTLP_HEADERS": "x-token=abc",
    }


def test_no_secrets_folder_is_no_error(tmp_path):
    environ: dict[str, str] = {}
    config.read_secret_files(environ, tmp_path / "missing")
    assert environ == {}
