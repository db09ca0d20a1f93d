"""The benchmark's verdicts and its table, on made-up figures."""

import pytest
from template.bench.report import MB, goals, markdown

QUIET = {"rps_quiet_1w": 1000, "rps_quiet_2w": 2000}


def figures(rebuilds: list[float], **extra) -> dict:
    return {
        "rebuild_s_runs": rebuilds,
        "rebuild_s": sorted(rebuilds)[len(rebuilds) // 2],
        "rebuild_new_layer_bytes": 12_000,
        **extra,
    }


def images(template: dict) -> dict[str, dict]:
    return {
        "template": template,
        "baseline": figures([0.1] * 5, rps_1w=1000, rps_2w=1500),
        "uv-example": figures([2.0, 1.9, 2.1, 2.0, 2.0]),
    }


def verdicts(template: dict) -> list[bool]:
    return [ok for _, ok in goals(images(template), dict(QUIET))]


def test_goals_pass_when_every_figure_is_met():
    assert verdicts(figures([0.5] * 5, **QUIET)) == [True] * 4


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        ({"rebuild_new_layer_bytes": MB}, 0),
        (figures([1.01, 1.1, 0.9, 1.2, 1.05]), 1),
        ({"rps_quiet_1w": 940}, 2),
        ({"rps_quiet_2w": 1880}, 3),
    ],
)
def test_each_goal_fails_on_its_own_figure(change, failing):
    template = figures([0.5] * 5, **QUIET) | change
    assert verdicts(template) == [index != failing for index in range(4)]


def test_half_the_patterns_rebuild_time_still_passes():
    assert verdicts(figures([1.0] * 5, **QUIET))[1] is True


def test_the_table_shows_every_target_the_direct_run_and_the_verdicts():
    template = figures([0.5] * 5, rps_1w=900, rps_2w=1500, **QUIET)
    direct = {"rps_1w": 1000, "rps_2w": 3000, "own_cpu_cgroup": True, **QUIET}
    report = {
        "date": "2026-11-28", "machine": "test", "runs": 3, "rebuilds": 5, "load": "wrk",
        "images": images(template), "direct": direct, "goals": goals(images(template), direct),
    }  # fmt: skip
    table = markdown(report)
    assert "in a CPU cgroup of its own" in table
    assert "| template | baseline | uv-example | template / baseline | template / uv-example |" in (
        table
    )
    assert "| Requests/s, 1 worker | 900 | 1,000 | - | 0.90x | - | 1,000 |" in table
    assert "| Rebuild after a code-only change (s) | 0.5 | 0.1 | 2.0 | 5.00x | 0.25x | - |" in table
    assert "request log on: 0.90x (1 worker), 0.50x (2); request log off: 1.00x" in table
    assert "- PASS: code-only rebuild time <= 0.5x the uv-docker-example pattern's: 0.25x" in table
    assert table.count("- PASS") == 4


def test_the_table_says_when_the_direct_run_shared_the_load_generators_cgroup():
    template = figures([0.1] * 5, rps_1w=1, rps_2w=1, **QUIET)
    direct = {"rps_1w": 1, "rps_2w": 1, "own_cpu_cgroup": False, **QUIET}
    report = {
        "date": "-", "machine": "-", "runs": 1, "rebuilds": 5, "load": "-",
        "images": {"template": template, "baseline": template}, "direct": direct, "goals": [],
    }  # fmt: skip
    assert "in the load generator's CPU cgroup" in markdown(report)
