"""The published benchmark: the README shows it, and the stated figures agree with it."""

import json

import pytest

from tests.deploy.conftest import WORKER_RSS_MB
from tests.support.paths import REPO

RESULTS = REPO / "template" / "bench" / "results"


@pytest.mark.parametrize("name", ["results.md", "proxy.md"])
def test_the_readme_shows_the_published_benchmark(name):
    # The tables in template/README.md are the ones bench/results holds, figure for figure.
    table = [
        line
        for line in (RESULTS / name).read_text().splitlines()
        if line.startswith(("|", "- PASS", "- FAIL"))
    ]
    assert len(table) >= 5
    assert "\n".join(table) in "\n".join(
        line for line in (REPO / "template" / "README.md").read_text().splitlines() if line in table
    )


def test_the_stated_worker_memory_is_the_measured_one():
    # The deploy tests derive the Compose and Kubernetes memory limits from WORKER_RSS_MB.
    results = json.loads((RESULTS / "results.json").read_text())
    measured = results["images"]["template"]["rss_per_worker_mb_1w"]
    assert measured == pytest.approx(WORKER_RSS_MB, rel=0.1)
