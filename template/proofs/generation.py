"""Run copier, uv and git the way a user of the template would, in temporary directories."""

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path

from tests.support.paths import REPO, TOOLS

TEMPLATE_NAMES = ("fastapi-uv-template", "fastapi_uv_template", "fastapi uv template")
# Words that only make sense for the template: its folder, its proofs and benchmark, and why the
# tests do what they do here (base images that are stand-ins, suites that run side by side).
TEMPLATE_WORDS = ("template/", "proofs", "bench", "stand-in", "in parallel", "copier.yml", ".ci/")

# A generated service's test that runs every pre-commit hook; runs that check something else leave
# it out (`--deselect`).
HOOKS_TEST = "tests/repo/test_checks.py::test_the_hooks_pass"

# Commits in throwaway repositories need an identity; copier and uv must not reach out.
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "UV_PYTHON_DOWNLOADS": "never",
}
ENV.pop("VIRTUAL_ENV", None)  # the generated project gets its own .venv


def run(
    *command: str | Path, cwd: Path, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env or ENV, capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    if check:
        assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


def copier(*args: str | Path, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    return run(TOOLS / "copier", *args, "--trust", "--defaults", cwd=cwd, check=check)


def generate(target: Path, *args: str, source: Path = REPO, **data: str) -> Path:
    """A service generated from this repository's working tree (or another copy of the
    template), committed."""
    copier("copy", "--vcs-ref=HEAD", *args, *answers(**data), source, target, cwd=source)
    commit_all(target, "Start from the template")
    return target


def typed(cwd: Path, arguments: list[str | Path], *typing: str) -> tuple[int, str]:
    """copier with these arguments in a terminal, answered as a person types: each of `typing` is
    typed at one prompt once the terminal has been quiet for a second (so once the prompt is
    drawn), then Enter; an empty one, and Enter past them, takes the default. Copier's exit
    status and what it showed."""
    command = [str(TOOLS / "copier"), *map(str, arguments)]
    pid, terminal = pty.fork()
    if pid == 0:  # the child: copier, on a terminal wide enough that no message wraps
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
        os.chdir(cwd)
        os.execve(command[0], command, ENV)  # noqa: S606 (copier, from the locked tools)
    shown, keys = b"", list(typing)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if select.select([terminal], [], [], 1.0)[0]:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # copier has exited and closed the terminal
                break
            shown += chunk
            if b"\x1b[6n" in chunk:  # where is the cursor? A terminal answers; so does this one
                os.write(terminal, b"\x1b[1;1R")
        elif "🎤".encode() in shown:  # quiet, once questions are asked: a prompt waits; Ctrl-U
            key = keys.pop(0) if keys else ""  # clears the default it shows, unless it is taken
            os.write(terminal, (f"\x15{key}" if key else "").encode() + b"\r")
    else:
        os.kill(pid, signal.SIGKILL)  # still asking after ten minutes: a prompt that never ends
    _, status = os.waitpid(pid, 0)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode(errors="replace"))  # no colours
    return os.waitstatus_to_exitcode(status), text


def suite(project: Path, **env: str | None) -> tuple[str, float]:
    """`uv run pytest`, as the README says, with these variables set (or unset, for None)."""
    environment = {**ENV, **env}
    began = time.monotonic()
    result = run("uv", "run", "pytest", "-p", "no:cacheprovider", cwd=project, check=False,
                 env={k: v for k, v in environment.items() if v is not None})  # fmt: skip
    seconds = time.monotonic() - began
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1], seconds


def answers(**data: str) -> list[str]:
    return [arg for key, value in data.items() for arg in ("--data", f"{key}={value}")]


def commit_all(path: Path, message: str) -> None:
    if not (path / ".git").exists():
        run("git", "init", "--quiet", "--initial-branch=main", cwd=path)
    run("git", "add", "--all", cwd=path)
    run("git", "commit", "--quiet", "--allow-empty", "--message", message, cwd=path)


def leftovers(project: Path, words: tuple[str, ...] = TEMPLATE_NAMES) -> list[str]:
    """Paths and lines that still carry these words, outside copier's answers file."""
    found = []
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if {".git", ".venv"} & set(relative.parts) or relative.name == ".copier-answers.yml":
            continue
        found += [str(relative) for word in words if word in str(relative)]
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8").lower()
            except UnicodeDecodeError:
                continue
            found += [f"{relative}: {word}" for word in words if word in text]
    return found
