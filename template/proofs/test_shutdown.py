"""Graceful shutdown, proven: requests in flight when SIGTERM comes finish with 200, new ones are
turned away, and the container exits 0, with one worker and with two.

A test-only image variant adds a slow route to the real app, so that requests are in flight.
"""

import http.client
import json
import threading
import time
import tomllib
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.support.engine import Container, build_image, docker, run_container, unique
from tests.support.paths import REPO

pytestmark = pytest.mark.container

# The app's module, from the entrypoint the image runs.
APP_MODULE = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["fastapi"]["entrypoint"]
SLOW_APP = f"""
import asyncio
from {APP_MODULE.split(":")[0]} import app

@app.get("/slow")
async def slow(seconds: float) -> dict[str, float]:
    await asyncio.sleep(seconds)
    return {{"slept": seconds}}
"""


@pytest.fixture(scope="module")
def slow_image(image, tmp_path_factory) -> Iterator[str]:
    context = tmp_path_factory.mktemp("slow")
    (context / "slow_app.py").write_text(SLOW_APP)
    (context / "Dockerfile").write_text(
        f"FROM {image}\nCOPY slow_app.py /app/\nENV PYTHONPATH=/app\n"
        'CMD ["fastapi", "run", "--entrypoint", "slow_app:app"]\n'
    )
    tag = unique("test-slow") + ":test"
    build_image(context, tag)
    yield tag
    docker("rmi", "--force", tag, check=False)


def get(port: int, path: str, timeout: float = 30) -> tuple[int, bytes]:
    """One request on a new connection: the status and body, or an OSError."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def started(slow_image: str, workers: int) -> Container:
    container = run_container(slow_image, env={"WEB_CONCURRENCY": str(workers)})
    container.wait_until_serving()
    return container


@pytest.mark.parametrize("workers", [1, 2])
def test_requests_in_flight_finish_and_new_ones_are_turned_away(slow_image, workers):
    container = started(slow_image, workers)
    try:
        results: list[tuple[int, bytes] | OSError] = []

        def slow_request() -> None:
            try:
                results.append(get(container.port, "/slow?seconds=3"))
            except OSError as error:
                results.append(error)

        threads = [threading.Thread(target=slow_request) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(1)  # all four are being handled
        began = time.monotonic()
        docker("kill", "--signal=TERM", container.name)
        # uvicorn's supervisor passes the signal on within half a second; the slow requests
        # are still in flight at this point.
        time.sleep(1.5)
        # Refused, or closed by the engine's port proxy, or left unanswered: never served.
        with pytest.raises((ConnectionError, TimeoutError)):
            get(container.port, "/healthz", timeout=3)
        for thread in threads:
            thread.join(timeout=120)
        code = docker("wait", container.name, timeout=120).stdout.strip()
        stopped_after = time.monotonic() - began
    finally:
        logs = container.logs()
        container.remove()
    assert results == [(200, json.dumps({"slept": 3.0}, separators=(",", ":")).encode())] * 4
    assert code == "0", logs
    assert stopped_after < 10


def test_under_load_no_request_that_got_an_answer_was_cut(slow_image):
    """A bounded load (8 clients, about 3 s) with SIGTERM in the middle. Every answer is a 200;
    the rest are connections turned away after the socket closed. Counted, and printed."""
    container = started(slow_image, 2)
    outcomes: Counter[str] = Counter()
    stop = threading.Event()

    def client() -> None:
        failures = 0
        while not stop.is_set() and failures < 3:
            try:
                status, _ = get(container.port, "/slow?seconds=0.05", timeout=10)
                outcomes[str(status)] += 1
            except OSError as error:
                outcomes[type(error).__name__] += 1
                failures += 1

    threads = [threading.Thread(target=client) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        docker("kill", "--signal=TERM", container.name)
        time.sleep(1.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        code = docker("wait", container.name, timeout=120).stdout.strip()
    finally:
        container.remove()
    print(f"\noutcomes under load with SIGTERM: {dict(outcomes)}")
    answered = {key: count for key, count in outcomes.items() if key.isdigit()}
    assert set(answered) == {"200"}
    assert answered["200"] > 20
    assert code == "0"
