import socket
import sys
import threading
import time

import pytest

from fastapi_uv_template.core import prestart, server

from tests.support.engine import free_port


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("APP_WAIT_FOR", "APP_WAIT_TIMEOUT", "APP_LOG_LEVEL", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)


def test_waits_for_a_dependency_that_comes_up_later(monkeypatch, capsys):
    port = free_port()
    monkeypatch.setenv("APP_WAIT_FOR", f"127.0.0.1:{port}")
    monkeypatch.setenv("APP_WAIT_TIMEOUT", "30")
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))  # refuses connections until it listens
        timer = threading.Timer(0.6, server.listen)
        timer.start()
        began = time.monotonic()
        assert prestart.main() == 0
        assert time.monotonic() - began >= 0.5
        timer.join()
    assert f"127.0.0.1:{port} answers" in capsys.readouterr().out


def test_fails_naming_a_dependency_that_never_answers(monkeypatch, capsys):
    port = free_port()
    monkeypatch.setenv("APP_WAIT_FOR", f"127.0.0.1:{port}")
    monkeypatch.setenv("APP_WAIT_TIMEOUT", "0.5")
    assert prestart.main() == 1
    assert f"127.0.0.1:{port} did not answer within 0.5 s" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [("APP_WAIT_FOR", "db:x", "expected host:port"), ("APP_LOG_LEVEL", "loud", "'debug'"),
     ("WEB_CONCURRENCY", "abc", "whole number")],
)  # fmt: skip
def test_a_bad_setting_stops_it_naming_the_variable(monkeypatch, capsys, variable, value, message):
    monkeypatch.setenv(variable, value)
    assert prestart.main() == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"prestart: invalid setting {variable}=")
    assert message in line


def test_check_settings_becomes_the_command_or_stops_with_one_line(monkeypatch):
    ran = []
    monkeypatch.setattr("sys.argv", ["check-settings", "prestart", "--x"])
    monkeypatch.setattr("os.execvp", lambda file, args: ran.append((file, args)))
    prestart.check_then_run()
    assert ran == [("prestart", ["prestart", "--x"])]
    monkeypatch.setenv("WEB_CONCURRENCY", "abc")
    with pytest.raises(SystemExit) as exited:
        prestart.check_then_run()
    assert str(exited.value).startswith("error: invalid setting WEB_CONCURRENCY='abc': ")
    assert len(ran) == 1


def test_fastapi_runs_in_the_same_process_set_up_for_the_server(monkeypatch):
    ran = []
    monkeypatch.setattr("sys.argv", ["check-settings", "fastapi", "run"])
    monkeypatch.setattr("fastapi.cli.main", lambda: ran.append(sys.argv))
    monkeypatch.setattr(server, "install", lambda settings: ran.append(settings.log_format))
    prestart.check_then_run()
    assert ran == ["text", ["fastapi", "run"]]
