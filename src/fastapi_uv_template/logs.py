"""Log output for the service's own loggers: plain text or JSON lines, one record per line."""

import json
import logging
from datetime import UTC, datetime

from .settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line; `extra={"fields": {...}}` adds top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(settings: Settings) -> None:
    """Give the package's loggers one handler in the chosen format.

    uvicorn configures only its own loggers; without this, ours would print nothing below WARNING.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    package_logger = logging.getLogger(__package__)
    package_logger.handlers = [handler]
    package_logger.setLevel(settings.log_level.upper())
    # Our request log replaces uvicorn's access log, which has no request id or duration and
    # logs every health probe.
    logging.getLogger("uvicorn.access").disabled = True
