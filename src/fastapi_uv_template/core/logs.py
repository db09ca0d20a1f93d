"""One log stream: every record of the process, the service's, uvicorn's and libraries', goes
through one handler, as plain text or one JSON object per line, tagged with the request id of
the request it was logged for. Structured fields come from `extra=`, in both formats."""

import json
import logging
import os
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from .config import PlatformSettings

# The service's own loggers are named after its package, e.g. `<package>.access`.
SERVICE_LOGGER = __name__.split(".")[0]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The request being handled by the current task (middleware.py sets it).
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
# What every LogRecord has; anything else on a record came from `extra=` and is shown.
STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "request_id", "color_message",
}  # fmt: skip


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """What `extra=` put on the record, then the request id."""
    fields = {k: v for k, v in vars(record).items() if k not in STANDARD_ATTRIBUTES}
    if request_id := getattr(record, "request_id", None):
        fields["request_id"] = request_id
    return fields


def printable(text: str) -> str:
    """Control characters (CR, LF, ESC, NUL...) as escapes: a client cannot start a new log line
    or send codes to a terminal through what it sends."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def text_value(value: object) -> str:
    """A field's value for the text line: quoted, with its quotes and backslashes escaped, where
    a space, quote or = could make it read as another field."""
    text = str(value)
    if text and text.isprintable() and not set(text) & set(' "=\\'):
        return text
    return '"' + printable(text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


class RequestIdFilter(logging.Filter):
    """Tags each record with the id of the request it was logged for, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: the `extra=` fields at the top level, the request id, and a
    traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **extra_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """The text line, with the `extra=` fields and the request id as key=value after it."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        fields = (f"{key}={text_value(value)}" for key, value in extra_fields(record).items())
        return " ".join([super().formatMessage(record), *fields])


class ServiceHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler, to stderr."""


def configure_logging(settings: PlatformSettings) -> None:
    """Route every logger through one handler in the chosen format.

    The service's loggers log at APP_LOG_LEVEL, uvicorn's at info, libraries' from warning up;
    Python warnings become log records too. uvicorn's access log is replaced by ours.
    """
    handler = ServiceHandler()
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    # Ours replace ours (an app may be created twice); other handlers (a test's capture) stay.
    for old in [old for old in root.handlers if isinstance(old, ServiceHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name, level in ((SERVICE_LOGGER, settings.log_level.upper()), ("uvicorn", "INFO")):
        logger = logging.getLogger(name)
        logger.handlers, logger.propagate = [], True
        logger.setLevel(level)
    logging.getLogger("uvicorn.error").handlers = []
    logging.getLogger("uvicorn.access").disabled = True
    logging.captureWarnings(True)


def command_line(message: str, level: str = "info") -> str:
    """A line of a command's own output (prestart, check-settings) in APP_LOG_FORMAT, read as it
    is: the settings themselves may be what is wrong."""
    if os.environ.get("APP_LOG_FORMAT", "").strip().lower() != "json":
        return message
    time = datetime.now(UTC).isoformat(timespec="milliseconds")
    return json.dumps({"time": time, "level": level, "logger": SERVICE_LOGGER, "message": message})
