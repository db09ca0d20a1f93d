import pytest

from fastapi_uv_template.core import config

SERVER = ("PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS")
OTEL = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_HEADERS")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in (
        "APP_LOG_LEVEL",
        "APP_DOCS_ENABLED",
        "APP_WAIT_FOR",
        "APP_ROOT_PATH",
        *SERVER,
        *OTEL,
    ):
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
    [("APP_ROOT_PATH", "api"), ("APP_ROOT_PATH", "//evil.example"), ("APP_ROOT_PATH", "/api?x"),
     ("APP_ROOT_PATH", "/api#x"), ("APP_ROOT_PATH", "/a/../b"), ("APP_ROOT_PATH", "/a b"),
     ("APP_WAIT_FOR", "nohost"), ("APP_WAIT_FOR", "http://db:5432"), ("APP_WAIT_FOR", "db:5432/x"),
     ("APP_WAIT_FOR", "::1:80"), ("APP_WAIT_FOR", "db:5432.0"), ("APP_WAIT_TIMEOUT", "inf"),
     ("APP_WAIT_TIMEOUT", "0"), ("APP_ALLOWED_HOSTS", "*"), ("APP_ALLOWED_HOSTS", "a.example:80"),
     ("APP_WORKER_PING_TIMEOUT", "0.5"), ("PORT", "65536"), ("PORT", "http"), ("PORT", "8001.0"),
     ("WEB_CONCURRENCY", ""), ("WEB_CONCURRENCY", "1.5"), ("WEB_CONCURRENCY", "2.0"),
     ("WEB_CONCURRENCY", "0"), ("FORWARDED_ALLOW_IPS", "proxy.lan"),
     ("FORWARDED_ALLOW_IPS", "10.0.0.1,,"), ("FORWARDED_ALLOW_IPS", "127.0.0.1/8"),
     ("FORWARDED_ALLOW_IPS", "*,10.0.0.1"), ("FORWARDED_ALLOW_IPS", " *"),
     ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"), ("OTEL_EXPORTER_OTLP_TIMEOUT", "nan")],
)  # fmt: skip
def test_every_setting_the_image_reads_is_checked(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(config.SettingsError) as raised:
        config.check_all(config.PlatformSettings)
    message = str(raised.value)
    assert message.startswith(f"invalid setting {variable}={value!r}: ")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("variable", "value"),
    [("FORWARDED_ALLOW_IPS", "*"), ("FORWARDED_ALLOW_IPS", "10.0.0.1"),
     ("FORWARDED_ALLOW_IPS", "10.0.0.0/8, ::1"), ("FORWARDED_ALLOW_IPS", "172.18.0.2,127.0.0.1"),
     ("APP_ROOT_PATH", "/api/v1"), ("APP_ROOT_PATH", "/caf%C3%A9/"), ("APP_WAIT_FOR", "my_db:5432"),
     ("APP_ALLOWED_HOSTS", "api.example.com, LOCALHOST"), ("PORT", " 8001 ")],
)  # fmt: skip
def test_values_the_server_reads_the_same_way_pass(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    config.check_all(config.PlatformSettings)


@pytest.mark.parametrize(
    ("variable", "value", "shown"),
    [("OTEL_EXPORTER_OTLP_HEADERS", "Bearer s3cr3t-token", "OTEL_EXPORTER_OTLP_HEADERS=(hidden): "),
     ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:s3cr3t@collector:4318:x",
      "'http://(hidden)@collector:4318:x'")],
)  # fmt: skip
def test_a_secret_or_a_url_s_credentials_are_never_shown(monkeypatch, variable, value, shown):
    monkeypatch.setenv(variable, value)
    with pytest.raises(config.SettingsError) as raised:
        config.check_all(config.PlatformSettings)
    assert shown in str(raised.value)
    assert "s3cr3t" not in str(raised.value)
