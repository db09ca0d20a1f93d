"""Where the repository is, and where its pinned dev tools are."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# uv installs the dev group's command-line tools beside the interpreter that runs the tests.
TOOLS = Path(sys.executable).parent
