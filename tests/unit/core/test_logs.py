import json
import logging
import subprocess
import sys

import pytest

from fastapi_uv_template.core import logs
from fastapi_uv_template.core.config import PlatformSettings
from fastapi_uv_template.core.logs import SERVICE_LOGGER, configure_logging

LOGGER = f"{SERVICE_LOGGER}.orders"


def log_lines(capsys, log_format: str, message: str, fields: dict[str, object]) -> list[str]:
    configure_logging(PlatformSettings(log_format=log_format))
    logging.getLogger(LOGGER).warning(message, extra=fields)
    return capsys.readouterr().err.splitlines()


def test_json_lines_carry_level_logger_message_time_fields_and_request_id(capsys):
    token = logs.current_request_id.set("req-42")
    try:
        (line,) = log_lines(capsys, "json", "charged", {"order": 7, "amount": "9.50"})
    finally:
        logs.current_request_id.reset(token)
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["message"]) == ("warning", LOGGER, "charged")
    assert (entry["order"], entry["amount"], entry["request_id"]) == (7, "9.50", "req-42")
    assert entry["time"].endswith("+00:00")


def test_json_lines_keep_a_traceback_on_one_line(capsys):
    configure_logging(PlatformSettings(log_format="json"))
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger(LOGGER).exception("failed")
    (line,) = capsys.readouterr().err.splitlines()
    assert "ValueError: broken" in json.loads(line)["exception"]


def test_text_lines_show_the_fields_so_that_none_can_pass_for_another(capsys):
    fields = {"order": 7, "path": "/a b status=200", "note": 'say "hi"\r\nforged'}
    (line,) = log_lines(capsys, "text", "charged", fields)
    assert line.endswith(r'charged order=7 path="/a b status=200" note="say \"hi\"\r\nforged"')


@pytest.mark.parametrize("name", ["uvicorn.error", "opentelemetry.sdk", "py.warnings", LOGGER])
def test_every_logger_writes_through_the_one_handler(name, capsys):
    configure_logging(PlatformSettings(log_format="json"))
    configure_logging(PlatformSettings(log_format="json"))  # twice: still one handler
    logging.getLogger(name).warning("from %s", name)
    (line,) = capsys.readouterr().err.splitlines()
    assert json.loads(line)["logger"] == name
    assert len([h for h in logging.getLogger().handlers if isinstance(h, logs.ServiceHandler)]) == 1
    assert logging.getLogger("uvicorn.access").disabled


def test_python_warnings_become_log_records():
    # In a process of its own: pytest keeps the warnings of its tests to itself.
    code = (
        f"import warnings; from {SERVICE_LOGGER}.core.logs import configure_logging; "
        f"from {SERVICE_LOGGER}.core.config import PlatformSettings; "
        "configure_logging(PlatformSettings(log_format='json')); warnings.warn('deprecated')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    (line,) = result.stderr.splitlines()
    assert json.loads(line)["logger"] == "py.warnings"


def test_command_output_follows_the_log_format(monkeypatch):
    monkeypatch.delenv("APP_LOG_FORMAT", raising=False)
    assert logs.command_line("prestart: ok") == "prestart: ok"
    monkeypatch.setenv("APP_LOG_FORMAT", "json")
    entry = json.loads(logs.command_line("error: bad", "error"))
    assert (entry["level"], entry["message"]) == ("error", "error: bad")
