"""Copier task: add what the answered options need, from a patch per option and answer.

An option is a patch on the service this repository is: options/<question>-<answer>.patch (for
example database-postgresql.patch), made with `git diff` in a working copy where the option is
applied (template/README.md, "Options"). An answer without a patch adds nothing, so the default
service holds no trace of any option. Runs in the new project before rename.py names its files,
as copier renders a template: the files a patch creates are written anew (on `copier update`
the project's own changes merge back afterwards), then `uv lock` brings the lock in line with
the dependencies the patch adds.
"""

import argparse
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

OPTIONS = Path(__file__).resolve().parent / "options"


def patches(answers: Iterable[str]) -> list[Path]:
    """The patch of each `question=answer` that has one."""
    found = (OPTIONS / f"{answer.replace('=', '-')}.patch" for answer in answers)
    return [patch for patch in found if patch.is_file()]


def git_apply(*args: str, cwd: Path) -> str:
    # Paths in a patch are relative to the project: git must not take a repository around it
    # (a monorepo the project is generated into) for the root.
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(cwd.resolve().parent)}
    command = ["git", "apply", *args]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(f"cannot apply {args[-1]}: {result.stderr.strip()}")
    return result.stdout


def created(patch: Path) -> list[str]:
    """The files the patch creates, relative to the project."""
    summary = git_apply("--summary", str(patch), cwd=OPTIONS)
    return [line.split()[-1] for line in summary.splitlines() if line.startswith(" create mode")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answers", nargs="*", help="question=answer")
    root = Path.cwd()
    applied = patches(parser.parse_args().answers)
    for patch in applied:
        for name in created(patch):
            (root / name).unlink(missing_ok=True)
        git_apply("--whitespace=nowarn", str(patch), cwd=root)
    if applied:
        result = subprocess.run(["uv", "lock", "--quiet"], cwd=root)  # noqa: S607
        if result.returncode != 0:
            raise SystemExit("cannot lock the dependencies the options add (uv lock failed)")


if __name__ == "__main__":
    main()
