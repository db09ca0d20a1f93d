import json
import logging
import subprocess
import sys

import pytest

import fastapi_uv_template as package
from fastapi_uv_template.logs import (
    JsonFormatter,
    ServiceHandler,
    TextFormatter,
    command_line,
    configure_logging,
    current_request_id,
)
from fastapi_uv_template.settings import Settings

LOGGER = f"{package.__name__}.x"


def record(message: str, **fields: object) -> logging.LogRecord:
    entry = logging.LogRecord(LOGGER, logging.INFO, __file__, 1, message, (), None)
    if fields:
        entry.fields = fields
    return entry


def test_json_lines_carry_level_logger_message_time_and_fields():
    line = JsonFormatter().format(record("hello", status=200, path="/items/5"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "info"
    assert entry["logger"] == LOGGER
    assert entry["message"] == "hello"
    assert (entry["status"], entry["path"]) == (200, "/items/5")
    assert entry["time"].endswith("+00:00")


def test_json_lines_keep_a_traceback_on_one_line():
    try:
        raise ValueError("broken")
    except ValueError:
        entry = record("failed")
        entry.exc_info = sys.exc_info()
    line = JsonFormatter().format(entry)
    assert "\n" not in line
    assert "ValueError: broken" in json.loads(line)["exception"]


def service_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if isinstance(h, ServiceHandler)]


def test_format_setting_picks_the_formatter():
    configure_logging(Settings(log_format="json"))
    (handler,) = service_handlers()
    assert isinstance(handler.formatter, JsonFormatter)
    configure_logging(Settings(log_format="text"))
    (handler,) = service_handlers()
    assert isinstance(handler.formatter, TextFormatter)


@pytest.mark.parametrize("name", ["uvicorn.error", "opentelemetry.sdk", "py.warnings", LOGGER])
def test_every_logger_writes_through_the_one_handler(name, capsys):
    configure_logging(Settings(log_format="json"))
    logging.getLogger(name).warning("from %s", name)
    (line,) = capsys.readouterr().err.splitlines()
    assert json.loads(line)["logger"] == name


def test_extra_fields_and_the_request_id_appear_in_both_formats(capsys):
    token = current_request_id.set("req-42")
    try:
        for log_format in ("json", "text"):
            configure_logging(Settings(log_format=log_format))
            logging.getLogger(LOGGER).warning("charged", extra={"order": 7, "amount": "9.50"})
    finally:
        current_request_id.reset(token)
    json_line, text_line = capsys.readouterr().err.splitlines()
    entry = json.loads(json_line)
    assert (entry["order"], entry["amount"], entry["request_id"]) == (7, "9.50", "req-42")
    assert text_line.endswith("charged order=7 amount=9.50 request_id=req-42")


def test_python_warnings_become_log_records():
    # In a process of its own: pytest keeps the warnings of its tests to itself.
    code = (
        f"import warnings; from {package.__name__}.logs import configure_logging; "
        f"from {package.__name__}.settings import Settings; "
        "configure_logging(Settings(log_format='json')); warnings.warn('deprecated thing')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    (line,) = result.stderr.splitlines()
    entry = json.loads(line)
    assert entry["logger"] == "py.warnings"
    assert "deprecated thing" in entry["message"]


def test_command_output_follows_the_log_format(monkeypatch):
    monkeypatch.delenv("APP_LOG_FORMAT", raising=False)
    assert command_line("prestart: ok") == "prestart: ok"
    monkeypatch.setenv("APP_LOG_FORMAT", "json")
    entry = json.loads(command_line("error: bad", "error"))
    assert (entry["level"], entry["message"]) == ("error", "error: bad")


def test_uvicorn_access_log_gives_way_to_ours():
    configure_logging(Settings())
    assert logging.getLogger("uvicorn.access").disabled
