"""The benchmark's verdicts: the sign test, the goals and the table, on made-up figures."""

import pytest

from bench.report import MB, chance_of_slower, goals, markdown


def figures(rebuilds: list[float], **extra) -> dict:
    return {"rebuild_s_runs": rebuilds, "rebuild_new_layer_bytes": 12_000, **extra}


def test_equal_rebuilds_are_no_evidence_of_being_slower():
    assert chance_of_slower([0.1] * 9, [0.1] * 9) == 1.0


def test_slower_in_every_pair_is_significant():
    assert chance_of_slower([0.2] * 9, [0.1] * 9) == pytest.approx(1 / 512)


def test_slower_in_half_the_pairs_is_chance():
    ours = [0.12, 0.10, 0.12, 0.10, 0.12, 0.10, 0.12, 0.10]
    theirs = [0.11] * 8
    assert chance_of_slower(ours, theirs) == pytest.approx(163 / 256)


def test_tied_pairs_do_not_count():
    # Slower in 2 of the 2 pairs that differ: 1/4, whatever the ties.
    assert chance_of_slower([0.2, 0.2, 0.1, 0.1], [0.1, 0.1, 0.1, 0.1]) == 0.25


def verdicts(template: dict, baseline: dict, direct: dict) -> list[bool]:
    return [ok for _, ok in goals(template, baseline, direct)]


QUIET = {"rps_quiet_1w": 1000, "rps_quiet_2w": 2000}


def test_goals_pass_when_every_figure_is_met():
    template = figures([0.11, 0.12] * 4, **QUIET)
    assert verdicts(template, figures([0.12, 0.11] * 4), dict(QUIET)) == [True] * 4


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        ({"rebuild_new_layer_bytes": MB}, 0),
        ({"rebuild_s_runs": [0.2] * 8}, 1),
        ({"rps_quiet_1w": 940}, 2),
        ({"rps_quiet_2w": 1880}, 3),
    ],
)
def test_each_goal_fails_on_its_own_figure(change, failing):
    template = figures([0.11, 0.12] * 4, **QUIET) | change
    results = verdicts(template, figures([0.12, 0.11] * 4), dict(QUIET))
    assert results == [index != failing for index in range(4)]


def test_the_table_shows_every_target_the_direct_run_and_the_verdicts():
    template = figures([0.1] * 5, rebuild_s=0.1, rps_1w=900, rps_2w=1500, **QUIET)
    baseline = figures([0.1] * 5, rebuild_s=0.1, rps_1w=1000, rps_2w=1500)
    direct = {"rps_1w": 1000, "rps_2w": 3000, "own_cpu_cgroup": True, **QUIET}
    report = {
        "date": "2026-11-28", "machine": "test", "runs": 3, "rebuilds": 5, "load": "wrk",
        "images": {"template": template, "baseline": baseline}, "direct": direct,
        "goals": goals(template, baseline, direct),
    }  # fmt: skip
    table = markdown(report)
    assert "in a CPU cgroup of its own" in table
    assert "| Requests/s, 1 worker | 900 | 1,000 | 0.90x | 1,000 |" in table
    # Measured for the template and the direct run only.
    assert "| Requests/s, 1 worker, request log off | 1,000 | - | - | 1,000 |" in table
    assert "request log on: 0.90x (1 worker), 0.50x (2); request log off: 1.00x" in table
    assert "- PASS: rebuild time <= the baseline's: slower in 0 of 5" in table
    assert table.count("- PASS") == 4


def test_the_table_says_when_the_direct_run_shared_the_load_generators_cgroup():
    template = figures([0.1] * 5, rps_1w=1, rps_2w=1, **QUIET)
    direct = {"rps_1w": 1, "rps_2w": 1, "own_cpu_cgroup": False, **QUIET}
    report = {
        "date": "-", "machine": "-", "runs": 1, "rebuilds": 5, "load": "-",
        "images": {"template": template, "baseline": template}, "direct": direct, "goals": [],
    }  # fmt: skip
    assert "in the load generator's CPU cgroup" in markdown(report)
