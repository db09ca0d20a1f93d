"""Run copier, uv and git the way a user of the template would, in temporary directories."""

import os
import subprocess
from pathlib import Path

from tests.paths import TOOLS

TEMPLATE_NAMES = ("fastapi-uv-template", "fastapi_uv_template", "fastapi uv template")

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


def run(*command: str | Path, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=ENV, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    if check:
        assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


def copier(*args: str | Path, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    return run(TOOLS / "copier", *args, "--trust", "--defaults", cwd=cwd, check=check)


def answers(**data: str) -> list[str]:
    return [arg for key, value in data.items() for arg in ("--data", f"{key}={value}")]


def commit_all(path: Path, message: str) -> None:
    if not (path / ".git").exists():
        run("git", "init", "--quiet", "--initial-branch=main", cwd=path)
    run("git", "add", "--all", cwd=path)
    run("git", "commit", "--quiet", "--message", message, cwd=path)


def leftovers(project: Path) -> list[str]:
    """Lines that still carry the template's own name, outside copier's answers file."""
    found = []
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if {".git", ".venv"} & set(relative.parts) or relative.name == ".copier-answers.yml":
            continue
        if any(name in str(relative) for name in TEMPLATE_NAMES):
            found.append(str(relative))
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8").lower()
            except UnicodeDecodeError:
                continue
            found += [f"{relative}: {name}" for name in TEMPLATE_NAMES if name in text]
    return found
