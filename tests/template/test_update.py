"""`copier update` brings a template change into a generated project and keeps the project's own."""

import hashlib
import re

from .copier import answers, commit_all, copier, leftovers, run
from tests.container.engine import copy_repository

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


def test_update_applies_the_template_change_and_keeps_the_projects_own(tmp_path):
    template = tmp_path / "template"
    template.mkdir()
    template_copy(template)
    project = tmp_path / "orders"
    copier("copy", "--vcs-ref=v1.0.0", *answers(project_name="Orders"), template, project,
           cwd=tmp_path)  # fmt: skip
    commit_all(project, "Start from template 1.0.0")

    # The service's own work: a dependency, a line in the README, files of its own.
    add_dependency(project, "pyyaml>=6")
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOwned by the orders team.\n")
    own = [project / "src" / "orders" / "billing.py", project / "docs" / "fastapi_uv_template.md"]
    for path in own:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('"""Mentions fastapi_uv_template and fastapi-uv-template on purpose."""\n')
    before = {path: digest(path) for path in own}
    commit_all(project, "Our own work")

    # The template's next version: a route, and a dev tool with a new lock.
    routes = template / "src" / "fastapi_uv_template" / "routes" / "items.py"
    routes.write_text(
        routes.read_text()
        + '\n\n@router.get("/version")\ndef version() -> str:\n    return "1.1"\n'
    )
    add_dependency(template, "httpx>=0.27", group="dev")
    commit_all(template, "Template 1.1.0: a version route, httpx")
    run("git", "tag", "v1.1.0", cwd=template)

    copier("update", "--vcs-ref=v1.1.0", cwd=project)

    updated = (project / "src" / "orders" / "routes" / "items.py").read_text()
    assert '@router.get("/version")' in updated
    assert "Owned by the orders team." in readme.read_text()
    assert "_commit: v1.1.0" in (project / ".copier-answers.yml").read_text()
    # Files the template does not ship are left as they were, template names and all.
    assert {path: digest(path) for path in own} == before
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
    files = [path for path in project.rglob("*") if path.is_file() and ".git" not in path.parts]
    assert not [path for path in files if CONFLICT.search(path.read_text(errors="replace"))]
    assert not list(project.rglob("*.rej"))
