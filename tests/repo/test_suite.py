"""The test suite itself: it leaves the developer's working tree as it found it."""

import subprocess
import sys

from tests.container.engine import repository_copy

# Not formatted the way ruff would: a fixer run on the tree would rewrite it.
PLANTED = "values = {'a':1}\n"
# The folders whose tests run formatters, hooks and generators; this file is left out.
FOLDERS = ["tests/unit", "tests/deploy", "tests/repo/test_ci.py", "tests/repo/test_project.py"]


def test_running_the_suite_changes_no_file_in_the_tree(tmp_path):
    tree = repository_copy(tmp_path / "tree")
    (tree / "src" / "planted.py").write_text(PLANTED)
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *FOLDERS], cwd=tree, capture_output=True,
        timeout=600, check=False,
    )  # fmt: skip
    assert (tree / "src" / "planted.py").read_text() == PLANTED
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=tree, capture_output=True, text=True, check=True
    ).stdout
    # Only the planted file differs from what was copied: nothing was added, changed or deleted.
    assert status.splitlines() == ["?? src/planted.py"]
