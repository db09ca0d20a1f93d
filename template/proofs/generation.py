"""Run copier, uv and git the way a user of the template would, in temporary directories."""

import os
import subprocess
import time
from pathlib import Path

from tests.support.paths import REPO, TOOLS

TEMPLATE_NAMES = ("fastapi-uv-template", "fastapi_uv_template", "fastapi uv template")
# Words that only make sense for the template: its folder, its proofs and benchmark, and why the
# tests do what they do here (base images that are stand-ins, suites that run side by side).
TEMPLATE_WORDS = ("template/", "proofs", "bench", "stand-in", "in parallel", "copier.yml", ".ci/")

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
    run("git", "commit", "--quiet", "--message", message, cwd=path)


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
