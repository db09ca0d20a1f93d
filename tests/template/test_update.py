"""`copier update` brings a template change into a generated project and keeps the project's own."""

from tests.container.engine import copy_repository

from .copier import answers, commit_all, copier, leftovers, run


def template_copy(destination):
    """The repository's files as a fresh git repository, tagged v1.0.0."""
    copy_repository(destination)
    commit_all(destination, "Template 1.0.0")
    run("git", "tag", "v1.0.0", cwd=destination)


def test_update_applies_the_template_change_and_keeps_local_edits(tmp_path):
    template = tmp_path / "template"
    template.mkdir()
    template_copy(template)
    project = tmp_path / "orders"
    copier("copy", "--vcs-ref=v1.0.0", *answers(project_name="Orders"), template, project,
           cwd=tmp_path)  # fmt: skip
    commit_all(project, "Start from template 1.0.0")

    # The template gains a route; the project gains its own line in the README.
    routes = template / "src" / "fastapi_uv_template" / "routes" / "items.py"
    routes.write_text(
        routes.read_text()
        + '\n\n@router.get("/version")\ndef version() -> str:\n    return "1.1"\n'
    )
    commit_all(template, "Template 1.1.0: a version route")
    run("git", "tag", "v1.1.0", cwd=template)
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOwned by the orders team.\n")
    commit_all(project, "Our own note")

    copier("update", "--vcs-ref=v1.1.0", cwd=project)

    updated = (project / "src" / "orders" / "routes" / "items.py").read_text()
    assert '@router.get("/version")' in updated
    assert "fastapi_uv_template" not in updated
    assert "Owned by the orders team." in readme.read_text()
    assert leftovers(project) == []
    assert "_commit: v1.1.0" in (project / ".copier-answers.yml").read_text()
    status = run("git", "status", "--porcelain", cwd=project).stdout
    assert not [line for line in status.splitlines() if line.startswith(("UU", "AA"))]
    assert not list(project.rglob("*.rej"))
