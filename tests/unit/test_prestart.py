import socket
import threading
import time

import pytest

from fastapi_uv_template import prestart
from fastapi_uv_template.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("APP_WAIT_FOR", "APP_WAIT_TIMEOUT", "APP_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def listening():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_addresses_parse_from_a_comma_separated_list():
    settings = Settings(wait_for="db:5432, cache:6379 ,[::1]:80,")
    assert settings.wait_for == [("db", 5432), ("cache", 6379), ("::1", 80)]
    assert Settings().wait_for == []


def test_succeeds_when_every_dependency_answers(monkeypatch, listening, capsys):
    monkeypatch.setenv("APP_WAIT_FOR", f"127.0.0.1:{listening}")
    assert prestart.main() == 0
    assert f"127.0.0.1:{listening} answers" in capsys.readouterr().out


def test_waits_for_a_dependency_that_comes_up_later(monkeypatch):
    port = closed_port()
    monkeypatch.setenv("APP_WAIT_FOR", f"127.0.0.1:{port}")
    monkeypatch.setenv("APP_WAIT_TIMEOUT", "10")
    server = socket.socket()

    def listen_soon() -> None:
        time.sleep(0.6)
        server.bind(("127.0.0.1", port))
        server.listen()

    thread = threading.Thread(target=listen_soon)
    thread.start()
    try:
        began = time.monotonic()
        assert prestart.main() == 0
        assert time.monotonic() - began >= 0.5
    finally:
        thread.join()
        server.close()


def test_fails_with_a_clear_message_when_a_dependency_never_answers(monkeypatch, capsys):
    port = closed_port()
    monkeypatch.setenv("APP_WAIT_FOR", f"127.0.0.1:{port}")
    monkeypatch.setenv("APP_WAIT_TIMEOUT", "0.5")
    began = time.monotonic()
    assert prestart.main() == 1
    assert time.monotonic() - began < 5
    error = capsys.readouterr().err
    assert f"127.0.0.1:{port} did not answer within 0.5 s" in error


@pytest.mark.parametrize(
    ("value", "message"),
    [("nohost", "expected host:port"), ("db:99999", "less than 65536"), ("db:x", "integer")],
)
def test_a_bad_address_is_a_settings_error_naming_the_variable(monkeypatch, capsys, value, message):
    monkeypatch.setenv("APP_WAIT_FOR", value)
    assert prestart.main() == 2
    error = capsys.readouterr().err
    assert "APP_WAIT_FOR" in error
    assert message in error


def test_other_bad_settings_fail_too(monkeypatch, capsys):
    monkeypatch.setenv("APP_LOG_LEVEL", "loud")
    assert prestart.main() == 2
    assert "APP_LOG_LEVEL" in capsys.readouterr().err


def test_check_settings_runs_the_command_in_its_place(monkeypatch):
    ran = []
    monkeypatch.setattr("sys.argv", ["check-settings", "fastapi", "run"])
    monkeypatch.setattr("os.execvp", lambda file, args: ran.append((file, args)))
    prestart.check_then_run()
    assert ran == [("fastapi", ["fastapi", "run"])]


def test_check_settings_stops_on_a_bad_setting_with_one_line(monkeypatch):
    monkeypatch.setattr("sys.argv", ["check-settings", "fastapi", "run"])
    monkeypatch.setattr("os.execvp", lambda *_: pytest.fail("ran the command"))
    monkeypatch.setenv("WEB_CONCURRENCY", "abc")
    with pytest.raises(SystemExit) as exited:
        prestart.check_then_run()
    assert str(exited.value).startswith("error: invalid setting WEB_CONCURRENCY='abc': ")
