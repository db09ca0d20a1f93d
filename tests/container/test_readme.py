"""The README's "Build and run the image" commands, run as written.

Two things change, and only these: the image name `my-service` becomes a name of this run's own,
and the host side of `-p 8000:8000` a free port on 127.0.0.1, so that runs and whatever else
listens on 8000 do not collide. A foreground `docker run --rm` runs detached.
"""

import re
import shlex
import subprocess
from collections.abc import Iterator

import pytest

from .engine import Container, docker, free_port, unique
from tests.paths import REPO

pytestmark = pytest.mark.container


def readme_commands(section: str) -> list[list[str]]:
    """The shell commands of a README section's code blocks, joined across line continuations."""
    text = (REPO / "README.md").read_text().split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    return [shlex.split(line, comments=True) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def commands(engine) -> Iterator[tuple[int, list[list[str]]]]:
    """The host port, and the section's commands with this run's image name and that port."""
    tag, port = unique("my-service"), free_port()
    replace = {"my-service": tag, "8000:8000": f"127.0.0.1:{port}:8000"}

    def adapt(word: str) -> str:
        return replace.get(word, word.replace("127.0.0.1:8000", f"127.0.0.1:{port}"))

    yield port, [list(map(adapt, c)) for c in readme_commands("Build and run the image")]
    docker("rmi", "--force", tag, check=False)


def test_the_readme_builds_runs_and_answers_as_it_says(commands):
    port, (build, run, curl, hardened) = commands
    assert build[:2] == ["docker", "build"]
    result = subprocess.run(build, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    expected = re.search(r"curl .*# (.*)$", (REPO / "README.md").read_text(), re.M).group(1)
    for command in (run, hardened):
        assert command[:3] == ["docker", "run", "--rm"]
        name = unique("fut-readme")
        docker(*command[1:3], "--detach", f"--name={name}", *command[3:])
        container = Container(name=name, port=port)
        try:
            container.wait_until_serving()
            answer = subprocess.run(curl, capture_output=True, text=True, timeout=30, check=True)
            assert answer.stdout.strip() == expected
        finally:
            container.remove()
