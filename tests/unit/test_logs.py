import json
import logging
import sys

import fastapi_uv_template as package
from fastapi_uv_template.logs import JsonFormatter, configure_logging
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


def test_format_setting_picks_the_formatter():
    package_logger = logging.getLogger(package.__name__)
    configure_logging(Settings(log_format="json"))
    (handler,) = package_logger.handlers
    assert isinstance(handler.formatter, JsonFormatter)
    configure_logging(Settings(log_format="text"))
    (handler,) = package_logger.handlers
    assert not isinstance(handler.formatter, JsonFormatter)


def test_uvicorn_access_log_gives_way_to_ours():
    configure_logging(Settings())
    assert logging.getLogger("uvicorn.access").disabled
