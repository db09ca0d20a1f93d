"""The last telemetry export, within one deadline.

At shutdown FastAPI flushes traces, metrics and logs one after the other, then shuts each down
at exit, every export waiting up to OTEL_EXPORTER_OTLP_TIMEOUT: against a collector that accepts
and never answers, that outlasts the stop grace period and the container is killed. So once the
app has shut down, the process has one deadline for all of it; what the collector has not taken
by then is dropped, and the process exits with a warning.
"""

import logging
import os
import threading

from opentelemetry import _logs, metrics, trace

logger = logging.getLogger(__name__)

# Well inside the 10 s that Docker gives a container to stop, after the requests in flight.
EXPORT_DEADLINE_SECONDS = 4.0


def exporting() -> bool:
    """Whether an SDK provider is set (an OTLP endpoint is); the API's no-op ones have no
    shutdown."""
    providers = (
        trace.get_tracer_provider(),
        metrics.get_meter_provider(),
        _logs.get_logger_provider(),
    )
    return any(callable(getattr(provider, "shutdown", None)) for provider in providers)


def give_up(deadline: float) -> None:
    logger.warning("the collector took no last export within %g s: dropped; exiting", deadline)
    os._exit(0)


def exit_by_deadline(deadline: float = EXPORT_DEADLINE_SECONDS) -> None:
    """Exit the process `deadline` seconds from now if it has not exited by then."""
    if exporting():
        timer = threading.Timer(deadline, give_up, args=(deadline,))
        timer.daemon = True  # a process that exits in time does not wait for it
        timer.start()
