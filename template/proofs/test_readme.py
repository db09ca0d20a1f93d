"""The README's "Add an endpoint", done as written in a new service: the route, its line in
main.py and its test from the README's code blocks, the suite, then the image built, run and
asked with the README's own commands.

Two things change in the commands, and only these: the image name `my-service` becomes a name of
this run's own, and the host side of `-p 8000:8000` a free port on 127.0.0.1, so that runs and
whatever else listens on 8000 do not collide. The foreground `docker run --rm` runs detached.
"""

import re
import shlex
import subprocess
from pathlib import Path

import pytest
from template.support import code_blocks, section

from .generation import generate, run
from tests.support.engine import Container, docker, free_port, unique

pytestmark = pytest.mark.container


def add_the_endpoint(service: Path, text: str) -> None:
    """The README's Python blocks, each where its first line says it goes."""
    for block in code_blocks(text, "python"):
        first, body = block.split("\n", 1)
        path = service / first.removeprefix("# ").split(":")[0]
        if path.name != "main.py":
            path.write_text(body)
            continue
        lines = path.read_text().splitlines(keepends=True)
        for line in filter(str.strip, body.splitlines(keepends=True)):
            kind = "import" if line.startswith("from") else "include_router("
            (after,) = [i for i, old in enumerate(lines) if kind in old and "items" in old]
            lines.insert(after + 1, line)
        path.write_text("".join(lines))


def test_the_readme_adds_an_endpoint_tests_it_and_serves_it_from_the_image(tmp_path, engine):
    service = generate(tmp_path / "service")
    text = section(service / "README.md", "Add an endpoint")
    add_the_endpoint(service, text)
    result = run("uv", "run", "pytest", "-p", "no:cacheprovider", "tests/unit", cwd=service)
    assert re.search(r"tests/unit/routes/test_orders\.py \.\s", result.stdout), result.stdout

    tag, port = unique("my-service"), free_port()
    replace = {"my-service": tag, "8000:8000": f"127.0.0.1:{port}:8000"}
    lines = "\n".join(code_blocks(text, "sh")).replace("\\\n", " ").splitlines()

    def adapt(word: str) -> str:
        return replace.get(word, word.replace("127.0.0.1:8000", f"127.0.0.1:{port}"))

    commands = [
        list(map(adapt, shlex.split(line, comments=True))) for line in lines if line.strip()
    ]
    build, serve, curl = commands
    assert (build[:2], serve[:3], curl[0]) == (
        ["docker", "build"],
        ["docker", "run", "--rm"],
        "curl",
    )
    name = unique("readme")
    try:
        built = subprocess.run(build, cwd=service, capture_output=True, text=True, timeout=900)
        assert built.returncode == 0, built.stderr[-3000:]
        docker(*serve[1:3], "--detach", f"--name={name}", *serve[3:])
        Container(name=name, port=port).wait_until_serving()
        answer = subprocess.run(curl, capture_output=True, text=True, timeout=30, check=True)
        assert '"order_id":7' in answer.stdout
    finally:
        docker("rm", "--force", name, check=False)
        docker("rmi", "--force", tag, check=False)
