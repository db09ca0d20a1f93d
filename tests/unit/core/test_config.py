import pytest

from fastapi_uv_template.core import config

SERVER = ("PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS")
OTEL = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_HEADERS")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("APP_LOG_LEVEL", "APP_DOCS_ENABLED", "APP_WAIT_FOR", *SERVER, *OTEL):
        monkeypatch.delenv(name, raising=False)


def test_values_come_from_prefixed_environment_variables(monkeypatch):
    monkeypatch.setenv("APP_LOG_LEVEL", "warning")
    monkeypatch.setenv("APP_DOCS_ENABLED", "false")
    monkeypatch.setenv("APP_WAIT_FOR", "db:5432, cache:6379 ,[::1]:80,")
    settings = config.load(config.PlatformSettings)
    assert (settings.log_level, settings.docs_enabled) == ("warning", False)
    assert settings.wait_for == [("db", 5432), ("cache", 6379), ("::1", 80)]


def test_every_invalid_variable_is_named_on_one_line(monkeypatch):
    monkeypatch.setenv("APP_LOG_LEVEL", "loud")
    monkeypatch.setenv("APP_DOCS_ENABLED", "maybe")
    with pytest.raises(config.SettingsError) as raised:
        config.load(config.PlatformSettings)
    message = str(raised.value)
    assert message.startswith("invalid setting APP_LOG_LEVEL='loud': ")
    assert "; APP_DOCS_ENABLED='maybe': " in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("variable", "value"),
    [("APP_ROOT_PATH", "api"), ("APP_WAIT_FOR", "nohost"), ("APP_WAIT_TIMEOUT", "inf"),
     ("APP_WAIT_TIMEOUT", "0"), ("PORT", "65536"), ("PORT", "http"), ("WEB_CONCURRENCY", ""),
     ("WEB_CONCURRENCY", "1.5"), ("WEB_CONCURRENCY", "0"), ("FORWARDED_ALLOW_IPS", "proxy.lan"),
     ("FORWARDED_ALLOW_IPS", "10.0.0.1,,"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
     ("OTEL_EXPORTER_OTLP_TIMEOUT", "nan")],
)  # fmt: skip
def test_every_setting_the_image_reads_is_checked(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(config.SettingsError) as raised:
        config.check_all(config.PlatformSettings)
    message = str(raised.value)
    assert message.startswith(f"invalid setting {variable}={value!r}: ")
    assert "\n" not in message


@pytest.mark.parametrize("value", ["*", "10.0.0.1", "10.0.0.0/8, ::1", "172.18.0.2,127.0.0.1"])
def test_trusted_proxy_addresses_take_what_uvicorn_takes(monkeypatch, value):
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", value)
    config.check_all(config.PlatformSettings)


def test_a_secret_is_never_shown(monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "Bearer s3cr3t-token")
    with pytest.raises(config.SettingsError) as raised:
        config.check_all(config.PlatformSettings)
    assert "OTEL_EXPORTER_OTLP_HEADERS=(hidden): " in str(raised.value)
    assert "s3cr3t" not in str(raised.value)
