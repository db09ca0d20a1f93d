"""A service generated with the defaults, as its owner gets it: a suite it can keep (small, quick,
green with and without an engine, writing nothing into the working tree), and one that stays
green once the example route is gone."""

import re
import tomllib
from pathlib import Path

import pytest

from .generation import HOOKS_TEST, commit_all, generate, run, suite

# What an owner inherits, at most (issue 21; issues 25 and 22 added the tests of their rules):
# test lines, dev tools, README lines.
BUDGETS = {"test lines": 1400, "dev tools": 8, "README lines": 180}


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("default") / "service")


def test_what_the_owner_inherits_fits_the_budgets(service):
    figures = {
        "test lines": sum(len(p.read_text().splitlines()) for p in service.glob("tests/**/*.py")),
        "dev tools": len(
            tomllib.loads((service / "pyproject.toml").read_text())["dependency-groups"]["dev"]
        ),
        "README lines": len((service / "README.md").read_text().splitlines()),
    }
    print(f"\ndefault service: {figures}")
    assert {name: figures[name] <= most for name, most in BUDGETS.items()} == dict.fromkeys(
        BUDGETS, True
    ), figures


def test_without_an_engine_the_suite_passes_and_the_image_tests_say_why_they_skip(service):
    # No engine answers, and CI is unset: a laptop where Docker is not running. The hooks, which
    # need no engine, run in the whole suite below.
    outcome, seconds = suite(service, DOCKER_HOST="unix:///nonexistent/docker.sock", CI=None,
                             PYTEST_ADDOPTS=f"--deselect {HOOKS_TEST}")  # fmt: skip
    print(f"\ndefault service, no engine: {outcome} ({seconds:.0f} s)")
    assert re.search(r"\d+ passed, \d+ skipped", outcome), outcome


def test_without_the_example_route_the_whole_suite_passes_with_the_engine(service, engine):
    package = next(service.glob("src/*/main.py")).parent
    (package / "routes" / "items.py").unlink()
    (service / "tests" / "unit" / "routes" / "test_items.py").unlink()
    main = package / "main.py"
    kept = [line for line in main.read_text().splitlines(keepends=True) if "items" not in line]
    main.write_text("".join(kept))
    commit_all(service, "Without the example")
    outcome, seconds = suite(service, CI="true")
    print(f"\ndefault service without the example, engine: {outcome} ({seconds:.0f} s)")
    assert "skipped" not in outcome
    assert re.fullmatch(r"=+ \d+ passed in .*", outcome), outcome
    # The suite wrote nothing into the working tree: no file changed, added or deleted.
    assert run("git", "status", "--porcelain", cwd=service).stdout == ""


def test_a_python_3_12_service_passes_its_whole_suite(tmp_path, engine):
    # Each Python the generator offers runs the whole suite: the default's is run above.
    service = generate(tmp_path / "service", python_version="3.12")
    outcome, seconds = suite(service, CI="true")
    print(f"\nPython 3.12 service, engine: {outcome} ({seconds:.0f} s)")
    assert re.fullmatch(r"=+ \d+ passed in .*", outcome), outcome
