"""How the image runs `fastapi run`: in the process of `check-settings` (prestart.py), set up
in ways that fastapi-cli has no option for.

- uvicorn's worker supervisor (WEB_CONCURRENCY > 1) replaces a worker that does not answer its
  ping within 5 s, forever: on a starved host a starting worker misses it, and the container
  loops, running but serving nothing. Here the timeout is APP_WORKER_PING_TIMEOUT, and workers
  that keep dying stop the container with an error, so the orchestrator's restart policy (with
  its back-off) takes over.
- uvicorn would set up logging of its own, in another format: the platform's (logs.py) is set
  up here instead, for the supervisor's lines too.
- With APP_LOG_FORMAT=json, fastapi-cli's banner (lines of text, and a blank one at exit) would
  break one object per line: it is not printed.
"""

import importlib
import logging
import time
from collections import deque
from typing import Any

import fastapi_cli.cli
import uvicorn
from rich_toolkit import RichToolkit
from uvicorn.supervisors.multiprocess import Multiprocess

from .config import PlatformSettings
from .logs import configure_logging

logger = logging.getLogger("uvicorn.error")

# More deaths than this within the window stop the container: one crash is restarted in place,
# a loop is not.
DEATHS_ALLOWED = 3
DEATH_WINDOW_SECONDS = 60.0


class Supervisor(Multiprocess):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deaths: deque[float] = deque()
        self.failed = False

    def keep_subprocess_alive(self) -> None:
        stopping = self.should_exit.is_set()
        before = [process.pid for process in self.processes]
        super().keep_subprocess_alive()
        if self.should_exit.is_set() and not stopping:  # uvicorn's own stop: a failed start
            self.failed = True
            return
        now = time.monotonic()
        replaced = zip(before, self.processes, strict=True)
        self.deaths.extend(now for pid, process in replaced if pid != process.pid)
        while self.deaths and now - self.deaths[0] > DEATH_WINDOW_SECONDS:
            self.deaths.popleft()
        if len(self.deaths) > DEATHS_ALLOWED:
            logger.error(
                "workers died %d times within %g s (raise APP_WORKER_PING_TIMEOUT if they were"
                " only slow to answer on a busy host); stopping",
                len(self.deaths), DEATH_WINDOW_SECONDS,
            )  # fmt: skip
            self.failed = True
            self.should_exit.set()

    def run(self) -> None:
        super().run()
        if self.failed:
            raise SystemExit(1)


def install(settings: PlatformSettings) -> None:
    """Set up fastapi-cli and uvicorn, in this process, as the module docstring says."""
    configure_logging(settings)
    run = uvicorn.run

    def run_as_set(*args: Any, **kwargs: Any) -> None:
        kwargs |= {"log_config": None, "timeout_worker_healthcheck": settings.worker_ping_timeout}
        run(*args, **kwargs)

    uvicorn.run = run_as_set
    # The module, not the `uvicorn.main` command that the package exports under the same name.
    importlib.import_module("uvicorn.main").Multiprocess = Supervisor  # type: ignore[attr-defined]
    if settings.log_format == "json":
        toolkit = fastapi_cli.cli.get_rich_toolkit  # type: ignore[attr-defined]

        def quiet_toolkit() -> RichToolkit:
            quiet = toolkit()
            quiet.console.quiet = True
            return quiet

        fastapi_cli.cli.get_rich_toolkit = quiet_toolkit  # type: ignore[attr-defined]
