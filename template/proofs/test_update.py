"""`copier update` brings a release into a generated service and keeps the service's own: from a
release just made, and from the oldest one with the READMEs' commands as written."""

import hashlib
import re
import shlex
from pathlib import Path

from template.support import code_blocks, section

from .generation import answers, commit_all, copier, leftovers, run, typed
from tests.support.engine import copy_repository
from tests.support.paths import REPO, TOOLS

CONFLICT = re.compile(r"^(<<<<<<<|>>>>>>>) ", re.MULTILINE)
OLDEST = "v0.1.0"  # the oldest release a service can update from (CHANGELOG.md)
NEXT = "v1.0.0"  # this working tree, as the release after every tagged one
RELEASE = re.compile(r"^## (\d+\.\d+\.\d+) \(.*\bcommit ([0-9a-f]{7,40})\)$", re.MULTILINE)


def releases(destination: Path) -> Path:
    """This repository with its release tags, and the working tree on top of them, tagged NEXT.
    A tag the clone lacks (a checkout may leave them out) is made at the commit the CHANGELOG's
    heading names; a tag it has must be that commit, and have such a heading."""
    run("git", "clone", "--quiet", REPO, destination, cwd=destination.parent)
    changelog = (REPO / "template" / "CHANGELOG.md").read_text()
    recorded = {f"v{version}": commit for version, commit in RELEASE.findall(changelog)}
    assert OLDEST in recorded, f"no CHANGELOG heading names the commit of {OLDEST}"
    for tag, commit in recorded.items():
        has = run("git", "rev-parse", "--verify", "--quiet", f"{tag}^{{commit}}", cwd=destination,
                  check=False)  # fmt: skip
        if has.returncode:
            run("git", "tag", tag, commit, cwd=destination)
        else:
            assert has.stdout.startswith(commit), f"{tag} is {has.stdout}, CHANGELOG.md: {commit}"
    unnamed = set(run("git", "tag", "--list", "v*", cwd=destination).stdout.split()) - set(recorded)
    assert not unnamed, f"no CHANGELOG heading names the commit of {sorted(unnamed)}"
    run("git", "rm", "-r", "--quiet", ".", cwd=destination)
    copy_repository(destination)
    commit_all(destination, "The next release")
    run("git", "tag", NEXT, cwd=destination)
    return destination


def readme_copier(readme: Path, title: str, verb: str) -> list[str]:
    """The arguments of the `uvx copier <verb>` line in the README section's sh blocks."""
    for block in code_blocks(section(readme, title), "sh"):
        for line in block.replace("\\\n", " ").splitlines():
            if line.startswith(f"uvx copier {verb} "):
                return shlex.split(line, comments=True)[2:]
    raise AssertionError(f"no `uvx copier {verb}` under {readme.name}'s {title!r}")


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_platform_update_lands_in_core_and_leaves_the_owners_files_as_they_are(tmp_path):
    template = releases(tmp_path / "template")
    project = tmp_path / "orders"
    copier("copy", f"--vcs-ref={NEXT}", *answers(project_name="Orders"), template, project,
           cwd=tmp_path)  # fmt: skip
    commit_all(project, "Start from the template's newest release")

    # The service's own work: a dependency, a setting, a router, the README, files of its own.
    run("uv", "add", "--no-sync", "pyyaml>=6", cwd=project)
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
    run("uv", "add", "--no-sync", "--dev", "httpx>=0.27", cwd=template)
    commit_all(template, "The release after: a platform change, httpx")
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


def test_the_readmes_generate_command_as_written_makes_a_service_of_the_newest_release(tmp_path):
    template = releases(tmp_path / "template")
    arguments = readme_copier(REPO / "README.md", "Start a new service", "copy")
    source = "gh:your-org/fastapi-uv-template"
    assert source in arguments
    code, shown = typed(tmp_path, [str(template) if a == source else a for a in arguments])
    assert code == 0, shown[-3000:]  # Enter at every question: the defaults
    tags = run("git", "tag", "--list", "v*", "--sort=-v:refname", cwd=template).stdout.split()
    newest = next(tag for tag in tags if tag != NEXT)
    assert arguments[arguments.index("--vcs-ref") + 1] == newest
    written = (tmp_path / arguments[-1] / ".copier-answers.yml").read_text()
    assert f"\n_commit: {newest}\n" in written


BILLING = {
    "src/orders/routes/billing.py": '''"""The orders team's billing."""

from fastapi import APIRouter

router = APIRouter()


@router.get("/billing")
def billing() -> dict[str, str]:
    return {"billing": "ok"}
''',
    "tests/unit/routes/test_billing.py": """from fastapi.testclient import TestClient

from orders.main import create_app
from orders.settings import Settings


def test_billing_and_its_setting() -> None:
    assert TestClient(create_app()).get("/billing").json() == {"billing": "ok"}
    assert Settings().currency == "EUR"
""",
}


def add_the_owners_lines(project: Path) -> None:
    """What the owner of a 0.1.0 service added to files the template shipped: a setting, a router
    and a README line. After the update the CHANGELOG has them added again, the same way."""
    settings, main = project / "src/orders/settings.py", project / "src/orders/main.py"
    settings.write_text(settings.read_text().replace(
        "(BaseSettings):\n", '(BaseSettings):\n    currency: str = "EUR"\n').replace(
        "(PlatformSettings):\n", '(PlatformSettings):\n    currency: str = "EUR"\n'))  # fmt: skip
    text = main.read_text()
    routers = re.search(r"^from \.routes import (.+)$", text, re.MULTILINE)
    names = ", ".join(sorted({*routers.group(1).split(", "), "billing"}))
    text = text.replace(routers.group(0), f"from .routes import {names}")
    items = "    app.include_router(items.router)\n"
    main.write_text(text.replace(items, items + items.replace("items", "billing")))
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOwned by the orders team.\n")


def test_a_service_from_the_oldest_release_updates_with_the_readmes_command(tmp_path):
    template = releases(tmp_path / "template")
    data = answers(project_name="Orders", author_name="Ann", author_email="ann@example.com")
    project = tmp_path / "orders"
    copier("copy", f"--vcs-ref={OLDEST}", *data, template, project, cwd=tmp_path)
    commit_all(project, f"Start from {OLDEST}")
    for name, text in BILLING.items():
        (project / name).write_text(text)
    add_the_owners_lines(project)
    run("uv", "add", "--no-sync", "pyyaml>=6", cwd=project)
    commit_all(project, "Our own work")
    own = {name: digest(project / name) for name in BILLING}

    update = readme_copier(REPO / "template" / "README.md", "Generate and update", "update")
    run(TOOLS / "copier", *update, cwd=project)

    # The owner's edits of files the release rewrote are kept, beside the release's version.
    conflicted = run("git", "diff", "--name-only", "--diff-filter=U", cwd=project).stdout.split()
    assert conflicted == ["README.md", "src/orders/main.py", "src/orders/settings.py"]
    kept = {name: (project / name).read_text() for name in conflicted}
    assert "orders team" in kept["README.md"]
    assert "billing.router" in kept["src/orders/main.py"]
    assert 'currency: str = "EUR"' in kept["src/orders/settings.py"]
    # The CHANGELOG's steps: the release's side, then the owner's lines again.
    run("git", "checkout", "--theirs", *conflicted, cwd=project)
    add_the_owners_lines(project)
    run("git", "add", "--all", cwd=project)

    assert {name: digest(project / name) for name in BILLING} == own
    assert '"pyyaml>=6"' in (project / "pyproject.toml").read_text()
    assert "_commit: " + NEXT in (project / ".copier-answers.yml").read_text()
    # Nothing of the old layout is left: the files are a new service's, and the owner's.
    fresh = tmp_path / "fresh"
    copier("copy", f"--vcs-ref={NEXT}", *data, template, fresh, cwd=tmp_path)
    commit_all(fresh, "A new service")
    listed = {path: run("git", "ls-files", cwd=path).stdout.split() for path in (project, fresh)}
    assert set(listed[project]) - set(listed[fresh]) == set(BILLING)
    assert set(listed[fresh]) <= set(listed[project])
    # The app with the owner's router and setting: its unit suite (the rest is the template's).
    result = run("uv", "run", "pytest", "tests/unit", "-p", "no:cacheprovider", cwd=project)
    assert "tests/unit/routes/test_billing.py ." in result.stdout, result.stdout
