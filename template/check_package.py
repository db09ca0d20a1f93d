"""Copier task: refuse a package name that the service could not import as its own.

Runs in the new project once its files are named. A package name must be an identifier that is
no keyword, and must not take the name of a module that Python or the service's locked
dependencies (runtime and dev) provide, nor `tests`: `import <name>` would find the other one.
The dependencies' modules are read from the environment that `uv sync --locked` makes from the
project's own lock, which the service needs next anyway, so the list is never kept by hand.
"""

import json
import keyword
import subprocess
import sys
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


def main() -> int:
    package = sys.argv[1]
    if reason := problem(package, Path.cwd()):
        print(f"package_name: {reason} Choose another with --data package_name=...",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
