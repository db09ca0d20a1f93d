"""On a starved host: workers that are slow to start are not killed as hung, workers that keep
dying stop the container, and the service's container tests pass with both cores busy."""

import os
import subprocess
import sys
import time

import pytest

from tests.support.engine import docker, poll, unique
from tests.support.paths import REPO

pytestmark = pytest.mark.container


@pytest.fixture
def burning(image):
    """Both cores kept busy by a container of spinning processes, for the test's duration."""
    name = unique("test-burn")
    spinners = " & ".join(["python -c 'while True: pass'"] * 4)  # twice the cores
    docker("run", "--detach", f"--name={name}", "--entrypoint=sh", image, "-c", f"{spinners}; wait")
    yield name
    docker("rm", "--force", name, check=False)


def test_workers_slow_to_answer_are_waited_for_and_workers_that_keep_dying_stop_it(start):
    # A tenth of a core for two workers and their supervisor: each worker needs seconds of this
    # before it can answer its supervisor's ping.
    starved = ("--cpus=0.1",)
    default = start(*starved, env={"WEB_CONCURRENCY": "2"}, wait=False)
    uvicorns = start(
        *starved, env={"WEB_CONCURRENCY": "2", "APP_WORKER_PING_TIMEOUT": "5"}, wait=False
    )
    began = time.monotonic()
    code = docker("wait", uvicorns.name, timeout=600).stdout.strip()
    logs = uvicorns.logs()
    assert code == "1", logs
    assert logs.count("died") > 3
    assert "workers died 4 times within 60 s (raise APP_WORKER_PING_TIMEOUT" in logs
    default.wait_until_serving(timeout=600)
    assert "died" not in default.logs(), default.logs()
    print(f"starved: uvicorn's 5 s stopped after {time.monotonic() - began:.0f} s")


def test_the_container_tests_pass_with_both_cores_busy(image, burning):
    assert poll(lambda: os.getloadavg()[0] > 2, timeout=120), os.getloadavg()
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/image", "-p", "no:cacheprovider", "-q"],
        cwd=REPO, capture_output=True, text=True, timeout=1500,
        env={**os.environ, "CI": "true", "TEST_IMAGE": image},
    )  # fmt: skip
    load = os.getloadavg()[0]
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    print(f"busy host: load {load:.1f}, tests/image in {time.monotonic() - began:.0f} s")
