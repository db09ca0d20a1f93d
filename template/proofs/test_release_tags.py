"""The tag policy of .github/release.sh (`newest`, `tags`), as CI's publish job and refresh.yml run
it: what a push of main, a push of a release tag and the weekly refresh publish. Offline: the
inputs are a git repository's tags and the run's event, ref, commit and run number."""

import re
from pathlib import Path

import pytest
from template.support import release

from .generation import commit_all, run

COMMIT = "0123456789abcdef0123456789abcdef01234567"
# Moving tags; every other tag names one build for good.
MOVING = re.compile(r"^(main|latest|\d+|\d+\.\d+)$")


@pytest.fixture
def tagged(tmp_path) -> Path:
    """A repository with releases of two majors, a backport series and a pre-release."""
    commit_all(tmp_path, "A commit")
    for tag in ("v0.9.0", "v1.1.0", "v1.1.1", "v1.2.0", "v1.10.0", "v2.0.0-rc1", "v1.9.9-beta"):
        run("git", "tag", tag, cwd=tmp_path)
    return tmp_path


def tags(repository: Path, *args: str) -> list[str]:
    result = release("tags", *args, cwd=repository)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_refresh_targets_the_newest_release_in_version_order(tagged):
    # 1.10.0 sorts after 1.9.x and 1.2.0; pre-releases are never a refresh's target.
    assert release("newest", cwd=tagged).stdout == "v1.10.0\n"


def test_what_each_run_publishes(tagged):
    assert tags(tagged, "push", "refs/heads/main", COMMIT) == ["main", "sha-0123456"]
    assert tags(tagged, "push", "refs/tags/v1.10.0", COMMIT) == ["1.10.0", "1.10", "1", "latest"]
    # A fix of an older series moves that series' tag only; a pre-release moves none.
    assert tags(tagged, "push", "refs/tags/v1.1.1", COMMIT) == ["1.1.1", "1.1"]
    assert tags(tagged, "push", "refs/tags/v2.0.0-rc1", COMMIT) == ["2.0.0-rc1"]
    assert tags(tagged, "refresh", "refs/tags/v1.10.0", COMMIT, "7") == [
        "1.10.0-r7", "1.10", "1", "latest",
    ]  # fmt: skip
    assert tags(tagged, "refresh", "refs/heads/main", COMMIT, "7") == ["main"]


def test_a_year_of_runs_never_writes_a_version_tag_twice(tagged):
    """Pushes of main and a release, then a weekly refresh of main and of the newest release:
    each tag that is not moving is written by one run only, and never by a refresh of what a
    push wrote."""
    written: dict[str, str] = {}
    runs = [("push", "refs/heads/main", COMMIT, ""), ("push", "refs/tags/v1.10.0", COMMIT, "")]
    for week in range(1, 53):
        newest = release("newest", cwd=tagged).stdout.strip()
        runs += [("refresh", f"refs/tags/{newest}", COMMIT, str(week)),
                 ("refresh", "refs/heads/main", COMMIT, str(week))]  # fmt: skip
    for number, (event, ref, commit, run_number) in enumerate(runs):
        for tag in tags(tagged, event, ref, commit, run_number):
            if not MOVING.match(tag):
                assert tag not in written, f"{tag}: run {written[tag]} and run {number}"
                written[tag] = str(number)
    assert {"1.10.0", "sha-0123456", "1.10.0-r1", "1.10.0-r52"} <= set(written)


def test_runs_that_publish_nothing_say_so(tagged):
    result = release("tags", "push", "refs/heads/feature", COMMIT, cwd=tagged)
    assert result.returncode == 1
    assert "nothing is published for push of refs/heads/feature" in result.stderr
    for ref in ("refs/tags/v2", "refs/tags/v1.2", "refs/tags/v1.2.3.4", "refs/tags/release"):
        result = release("tags", "push", ref, COMMIT, cwd=tagged)
        assert (result.returncode, result.stdout) == (1, ""), result.stdout
        assert f"{ref} is not a version tag" in result.stderr
    result = release("tags", "refresh", "refs/tags/v1.10.0", COMMIT, cwd=tagged)
    assert result.returncode != 0
    assert "a refresh needs its run number" in result.stderr
    (tagged / "empty").mkdir()
    commit_all(tagged / "empty", "No release yet")
    assert release("newest", cwd=tagged / "empty").stdout == ""
