"""Copier task: give the template's files, copied as they are, the new project's names.

Runs in the new project's directory. Deterministic: the same answers give the same files, which
is what lets `copier update` compare an old and a new template version and apply the difference.
"""

import argparse
import re
import shutil
from pathlib import Path

# How this template names itself; every one of these is replaced.
IMAGE = "ghcr.io/your-org/fastapi-uv-template"
DISTRIBUTION = "fastapi-uv-template"
PACKAGE = "fastapi_uv_template"
PYTHON = "3.13"

ANSWERS_FILE = ".copier-answers.yml"
# Where the Python version is chosen (bench/results keeps what was measured).
PYTHON_FILES = ("Dockerfile", "bench/baseline.Dockerfile", "README.md")
TEMPLATE_ONLY = re.compile(r"\n<!-- template-only -->\n.*?\n<!-- /template-only -->\n", re.DOTALL)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("project-name", "slug", "description", "package", "author-name", "image"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--author-email", default="")
    parser.add_argument("--python", required=True)
    return parser.parse_args()


def text_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        if ".git" in path.parts or not path.is_file() or path.name == ANSWERS_FILE:
            continue
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        files.append(path)
    return files


def edit(path: Path, change) -> None:
    text = path.read_text(encoding="utf-8")
    if (changed := change(text)) != text:
        path.write_text(changed, encoding="utf-8")


def readme(text: str, args: argparse.Namespace) -> str:
    """Title and first paragraph from the answers; no template-only sections."""
    text = TEMPLATE_ONLY.sub("\n", text)
    _, rest = text.split("\n## ", 1)
    return f"# {args.project_name}\n\n{args.description}\n\n## {rest}"


def pyproject(text: str, args: argparse.Namespace) -> str:
    author = f'name = "{args.author_name}"'
    if args.author_email:
        author += f', email = "{args.author_email}"'
    description = args.description.replace("\\", "\\\\").replace('"', '\\"')
    return re.sub(
        r'^description = ".*"$',
        f'description = "{description}"\nauthors = [{{ {author} }}]',
        text,
        count=1,
        flags=re.MULTILINE,
    )


def move_package(source: Path, target: Path) -> None:
    """Move the package directory; on `copier update` the target exists, so merge file by file."""
    for path in sorted(source.rglob("*")):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            path.replace(destination)
    shutil.rmtree(source)


def replace_all(text: str, pairs: list[tuple[str, str]]) -> str:
    for old, new in pairs:
        text = text.replace(old, new)
    return text


def main() -> None:
    args = parse()
    root = Path.cwd()
    move_package(root / "src" / PACKAGE, root / "src" / args.package)

    edit(root / "README.md", lambda text: readme(text, args))
    edit(root / "pyproject.toml", lambda text: pyproject(text, args))
    # Longest first: the image name contains the distribution name.
    names = [(IMAGE, args.image), (DISTRIBUTION, args.slug), (PACKAGE, args.package)]
    for path in text_files(root):
        edit(path, lambda text: replace_all(text, names))

    (root / ".python-version").write_text(f"{args.python}\n")
    versions = [
        (f"python:{PYTHON}-slim", f"python:{args.python}-slim"),
        (f"Python {PYTHON}", f"Python {args.python}"),
    ]
    for name in PYTHON_FILES:
        edit(root / name, lambda text: replace_all(text, versions))


if __name__ == "__main__":
    main()
