"""`copier update` brings a template change into a generated project and keeps the project's own."""

import hashlib
import re

from .generation import answers, commit_all, copier, leftovers, run
from tests.support.engine import copy_repository

CONFLICT = re.compile(r"^(<<<<<<<|>>>>>>>) ", re.MULTILINE)


def template_copy(destination):
    """The repository's files as a fresh git repository, tagged v1.0.0."""
    copy_repository(destination)
    commit_all(destination, "Template 1.0.0")
    run("git", "tag", "v1.0.0", cwd=destination)


def add_dependency(project, requirement: str, group: str = "dependencies") -> None:
    """What `uv add` does, without asking the network: the requirement at the end of the list,
    then a new lock."""
    pyproject = project / "pyproject.toml"
    head, rest = pyproject.read_text().split(f"\n{group} = [\n", 1)
    items, tail = rest.split("\n]\n", 1)
    items += f'\n    "{requirement}",'
    pyproject.write_text(f"{head}\n{group} = [\n{items}\n]\n{tail}")
    run("uv", "lock", "--offline", cwd=project)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_platform_update_lands_in_core_and_leaves_the_owners_files_as_they_are(tmp_path):
    template = tmp_path / "template"
    template.mkdir()
    template_copy(template)
    project = tmp_path / "orders"
    copier("copy", "--vcs-ref=v1.0.0", *answers(project_name="Orders"), template, project,
           cwd=tmp_path)  # fmt: skip
    commit_all(project, "Start from template 1.0.0")

    # The service's own work: a dependency, a setting, a router, the README, files of its own.
    add_dependency(project, "pyyaml>=6")
    package = project / "src" / "orders"
    settings, main = package / "settings.py", package / "main.py"
    settings.write_text(settings.read_text() + '    currency: str = "EUR"\n')
    main.write_text(main.read_text() + "# The orders team's routers go here.\n")
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOwned by the orders team.\n")
    own = [package / "billing.py", project / "docs" / "fastapi_uv_template.md"]
    for path in own:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('"""Mentions fastapi_uv_template and fastapi-uv-template on purpose."""\n')
    owned = [settings, main, *own]
    before = {path: digest(path) for path in owned}
    commit_all(project, "Our own work")

    # The template's next version: a platform change, and a dev tool with a new lock.
    health = template / "src" / "fastapi_uv_template" / "core" / "health.py"
    health.write_text(
        health.read_text().replace('{"status": "ok"}', '{"status": "ok", "v": "1.1"}')
    )
    add_dependency(template, "httpx>=0.27", group="dev")
    commit_all(template, "Template 1.1.0: a platform change, httpx")
    run("git", "tag", "v1.1.0", cwd=template)

    copier("update", "--vcs-ref=v1.1.0", cwd=project)

    assert '"v": "1.1"' in (package / "core" / "health.py").read_text()
    assert "Owned by the orders team." in readme.read_text()
    assert "_commit: v1.1.0" in (project / ".copier-answers.yml").read_text()
    # The owner's files, and files the template does not ship, are left as they were.
    assert {path: digest(path) for path in owned} == before
    assert leftovers(project) == [
        "docs/fastapi_uv_template.md",
        "docs/fastapi_uv_template.md: fastapi-uv-template",
        "docs/fastapi_uv_template.md: fastapi_uv_template",
        "src/orders/billing.py: fastapi-uv-template",
        "src/orders/billing.py: fastapi_uv_template",
    ]
    # Both dependencies, and a lock re-made for them instead of merged text.
    pyproject = (project / "pyproject.toml").read_text()
    assert '"pyyaml>=6"' in pyproject
    assert '"httpx>=0.27"' in pyproject
    run("uv", "lock", "--check", "--offline", cwd=project)
    files = [p for p in project.rglob("*") if p.is_file() and not {".git", ".venv"} & set(p.parts)]
    assert not [path for path in files if CONFLICT.search(path.read_text(errors="replace"))]
    assert not list(project.rglob("*.rej"))
