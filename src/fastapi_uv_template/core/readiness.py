"""Readiness: whether the service can serve now, from checks of the dependencies it declares.

Every `host:port` in APP_WAIT_FOR is checked with a TCP connection. Add the service's own checks
(a database ping, a cache) with `app.state.readiness.add("database", ping)`, where `ping` is an
async function that raises when the dependency cannot serve. Results are kept for
APP_READY_CACHE_SECONDS, so that frequent probes do not hammer the dependencies. Which checks
fail, and why, is logged when it changes.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

Check = Callable[[], Awaitable[None]]
logger = logging.getLogger(__name__)


def tcp_check(host: str, port: int, timeout: float) -> Check:
    async def check() -> None:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        writer.close()

    return check


class Readiness:
    def __init__(self, cache_seconds: float, timeout: float) -> None:
        self.cache_seconds, self.timeout = cache_seconds, timeout
        self.checks: dict[str, Check] = {}
        self.checked_at = -float("inf")
        self.failing: dict[str, str] = {}
        self.lock = asyncio.Lock()

    def add(self, name: str, check: Check) -> None:
        self.checks[name] = check

    async def failures(self) -> dict[str, str]:
        """Name -> reason of each check that fails now (from the cache when it is fresh)."""
        async with self.lock:  # one round of checks at a time, however many probes arrive
            if time.monotonic() - self.checked_at >= self.cache_seconds:
                names = list(self.checks)
                results = await asyncio.gather(
                    *(asyncio.wait_for(self.checks[name](), self.timeout) for name in names),
                    return_exceptions=True,
                )
                failing = {
                    name: describe(result)
                    for name, result in zip(names, results, strict=True)
                    if isinstance(result, BaseException)
                }
                if failing != self.failing:  # a line per change, not per probe
                    if failing:
                        logger.warning("not ready", extra={"failing": failing})
                    else:
                        logger.info("ready again")
                self.failing = failing
                self.checked_at = time.monotonic()
            return self.failing


def describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    return str(error) or type(error).__name__
