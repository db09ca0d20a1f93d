"""Copier task: give the files the template ships the new project's names.

Runs in the new project's directory, on `copier copy` and on each copy `copier update` makes.
Structured, not a search-and-replace over a tree: an explicit table says which file gets which
edit, each answer is written escaped for that file's format (TOML, YAML, JSON, Markdown, Python),
and the template's names are replaced in one pass, so no answer is ever rewritten again. Only
files that the template ships are read or written; the project's own files are never touched.
Deterministic: the same answers give the same files, which `copier update` relies on.
"""

import argparse
import json
import re
import shutil
from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase
from pathlib import Path

from options import created, patches

TEMPLATE = Path(__file__).resolve().parents[1]
# How this template names itself.
IMAGE = "ghcr.io/your-org/fastapi-uv-template"
DISTRIBUTION = "fastapi-uv-template"
PACKAGE = "fastapi_uv_template"
PYTHON = "3.13"
TITLE = "FastAPI service"
# ruff's line length (pyproject.toml): a longer title line is exempt, since no line break fits.
LINE_LENGTH = 100
TEMPLATE_ONLY = re.compile(r"\n<!-- template-only -->\n.*?\n<!-- /template-only -->\n", re.DOTALL)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("project-name", "slug", "description", "package", "author-name", "image"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--author-email", default="")
    parser.add_argument("--python", required=True)
    parser.add_argument("--option", action="append", default=[], help="question=answer")
    return parser.parse_args()


# Escaping, one function per format. TOML basic strings and YAML/JSON double-quoted scalars all
# read JSON's escapes.
def quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def python_string(value: str) -> str:
    """A literal as ruff format writes it (double quotes, unless single ones need fewer escapes),
    ASCII only: every other character as its escape, so that no look-alike (a typographic quote,
    a dash, a no-break space) or wide character can fail the service's ruff."""
    quote = "'" if value.count('"') > value.count("'") else '"'
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return quote + "".join(c if c.isascii() else ascii(c)[1:-1] for c in escaped) + quote


def markdown(value: str) -> str:
    """Text that Markdown shows as written: inline markup characters backslash-escaped, and a
    leading one that would start a list, heading or quote."""
    value = re.sub(r"([\\`*_\[\]<>&~|])", r"\\\1", value)
    return re.sub(r"^([-+#>=]|\d+(?=[.)]))", r"\\\1", value)


class Rename:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        # Every name the template carries, longest first: the image name holds the distribution.
        new = {IMAGE: args.image, DISTRIBUTION: args.slug, PACKAGE: args.package}
        self.names = re.compile("|".join(re.escape(old) for old in sorted(new, key=len)[::-1]))
        self.new = new

    def names_in(self, text: str) -> str:
        """The template's names replaced in one pass. Every new name is validated to be plain
        (lower-case letters, digits, dashes, dots, slashes), so no format needs it escaped."""
        return self.names.sub(lambda match: self.new[match.group()], text)

    def pyproject(self, text: str) -> str:
        """The names, then the description and authors: an answer that mentions one of the
        template's names keeps it."""
        args, author = self.args, f"name = {quoted(self.args.author_name)}"
        if args.author_email:
            author += f", email = {quoted(args.author_email)}"
        return re.sub(
            r'^description = ".*"$',
            lambda _: f"description = {quoted(args.description)}\nauthors = [{{ {author} }}]",
            self.names_in(text), count=1, flags=re.MULTILINE,
        )  # fmt: skip

    def readme(self, text: str) -> str:
        """Title and first paragraph from the answers; no template-only sections."""
        text = TEMPLATE_ONLY.sub("\n", text)
        _, rest = text.split("\n## ", 1)
        args = self.args
        head = f"# {markdown(args.project_name)}\n\n{markdown(args.description)}\n\n## "
        return head + self.python_version(self.names_in(rest))

    def python(self, text: str) -> str:
        """The names, and the project name as the default API title (settings.py)."""

        def title(match: re.Match[str]) -> str:
            line = match[1] + python_string(self.args.project_name)
            return line if len(line) <= LINE_LENGTH else f"{line}  # noqa: E501"

        text = re.sub(rf'^(    title: \w+ = )"{TITLE}"$', title, text, flags=re.MULTILINE)
        return self.names_in(text)

    def python_version(self, text: str) -> str:
        for old in (f"python:{PYTHON}-slim", f"Python {PYTHON}"):
            text = text.replace(old, old.replace(PYTHON, self.args.python))
        return text

    def dockerfile(self, text: str) -> str:
        return self.python_version(self.names_in(text))

    def edits(self) -> list[tuple[str, Callable[[str], str]]]:
        """Which shipped files get which edit (glob patterns, relative to the project)."""
        return [
            ("pyproject.toml", self.pyproject),
            ("uv.lock", self.names_in),
            ("README.md", self.readme),
            ("Dockerfile", self.dockerfile),
            ("compose*.yaml", self.names_in),
            ("deploy/kubernetes/*.yaml", self.names_in),
            ("deploy/swarm/*.yaml", self.names_in),
            (".devcontainer/devcontainer.json", self.names_in),
            ("src/**/*.py", self.python),
            ("tests/**/*.py", self.python),
        ]


def shipped(pattern: str, options: Iterable[str] = ()) -> list[Path]:
    """The files the template ships that match the pattern, relative to it: its own, and those
    that the patches of the answered options create."""
    own = {
        path.relative_to(TEMPLATE)
        for path in TEMPLATE.glob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    }
    added = {Path(name) for patch in patches(options) for name in created(patch)}
    return sorted(own | {path for path in added if fnmatchcase(str(path), pattern)})


def move_package(root: Path, package: str, options: Iterable[str]) -> None:
    """The package directory's shipped files into the new one, merging with what is there
    (on `copier update` the project already has it)."""
    source = root / "src" / PACKAGE
    if package == PACKAGE or not source.is_dir():
        return
    for relative in shipped(f"src/{PACKAGE}/**/*", options):
        old = root / relative
        if old.is_file():
            new = root / "src" / package / old.relative_to(source)
            new.parent.mkdir(parents=True, exist_ok=True)
            old.replace(new)
    # What is left is empty folders and caches, unless the project keeps files of its own there.
    left = [
        path for path in source.rglob("*") if path.is_file() and "__pycache__" not in path.parts
    ]
    if not left:
        shutil.rmtree(source)


def main() -> None:
    args = parse()
    root = Path.cwd()
    rename = Rename(args)
    for pattern, edit in rename.edits():
        for relative in shipped(pattern, args.option):
            path = root / relative
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                if (changed := edit(text)) != text:
                    path.write_text(changed, encoding="utf-8")
    (root / ".python-version").write_text(f"{args.python}\n")
    move_package(root, args.package, args.option)


if __name__ == "__main__":
    main()
