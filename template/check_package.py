"""Copier task: refuse a slug that a locked dependency already has as its name, and a package
name that the service could not import as its own.

Runs in the new project once its files are named. A package name must be an identifier that is
no keyword, and must not take the name of a module that Python or the service's locked
dependencies (runtime and dev) provide, nor `tests`: `import <name>` would find the other one.
The dependencies' modules are read from the environment that `uv sync --locked` makes from the
project's own lock, which the service needs next anyway, so the list is never kept by hand.
"""

import json
import keyword
import re
import subprocess
import sys
import tomllib
from pathlib import Path

# Every top-level module in the environment, with the distributions that provide it.
LIST = "import importlib.metadata as m, json; print(json.dumps(m.packages_distributions()))"


def uv(*args: str, project: Path) -> str:
    """The uv on PATH, as copier's `uv lock` migration runs it."""
    command = ["uv", *args]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        message = result.stderr.strip()[-300:]
        raise SystemExit(f"package_name: cannot check it against the dependencies: {message}")
    return result.stdout


def dependency_modules(project: Path) -> dict[str, list[str]]:
    """Top-level module -> the distributions that provide it, in the project's environment."""
    uv("sync", "--locked", "--no-install-project", "--quiet", project=project)
    modules: dict[str, list[str]] = json.loads(
        uv("run", "--no-sync", "--quiet", "python", "-c", LIST, project=project)
    )
    return modules


def problem(package: str, project: Path) -> str | None:
    if not package.isidentifier() or keyword.iskeyword(package):
        return f'"{package}" is no importable name (an identifier that is not a keyword).'
    # The standard library's own test suite is the package `test`, which stdlib_module_names
    # leaves out.
    if package in sys.stdlib_module_names or package == "test":
        return f'"{package}" would shadow the standard library\'s module of that name.'
    if package == "tests":
        return '"tests" is the name of the service\'s test package.'
    if providers := dependency_modules(project).get(package):
        return f'"{package}" would shadow the module of {", ".join(sorted(set(providers)))}.'
    return None


def normalized(name: str) -> str:
    """A distribution name as uv and pip compare them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def slug_problem(slug: str, project: Path) -> str | None:
    """The slug is the project's distribution name; a locked dependency of that name would make
    the lock name two packages alike (uv: "depends on itself")."""
    lock = tomllib.loads((project / "uv.lock").read_text())
    for package in lock["package"]:
        if package.get("source", {}).get("editable") != "." and (
            normalized(package["name"]) == normalized(slug)
        ):
            return f'"{slug}" is the name of a dependency the service locks ({package["name"]}).'
    return None


def main() -> int:
    package, slug = sys.argv[1:3]
    project = Path.cwd()
    # In turn: the package check syncs from the lock, which a bad slug has broken.
    checks = (("project_slug", slug_problem, slug), ("package_name", problem, package))
    for question, check, answer in checks:
        if reason := check(answer, project):
            print(f"{question}: {reason} Choose another with --data {question}=...",
                  file=sys.stderr)  # fmt: skip
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
