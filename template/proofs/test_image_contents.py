"""What the image holds, beyond what its service's own tests check: no build tools or repository
files, the project installed as its wheel with valid hashes and bytecode, and the size budget."""

import json
import tomllib

import pytest
from template.support import python_image

from tests.support.engine import docker
from tests.support.paths import REPO

pytestmark = pytest.mark.container

# Megabytes the image may add to its Python base (template/README.md, "Performance").
SIZE_BUDGET_MB = 100


@pytest.fixture(scope="module")
def service(start):
    return start()


def test_image_holds_no_uv_no_compiler_and_no_repository_files(service):
    assert service.exec("ls", "-A", "/app").split() == [".venv"]

    def find(*conditions: str) -> list[str]:
        # As root, so that no directory is too private to search.
        return service.exec("find", "/", "-xdev", *conditions, user="0").split()

    tools = ("uv", "uvx", "gcc", "gcc-[0-9]*", "cc", "c++", "g++", "clang")
    names = [arg for tool in tools for arg in ("-o", "-name", tool)][1:]
    assert find("-type", "f", "-perm", "/111", "(", *names, ")") == []

    repository_files = ("pyproject.toml", "uv.lock", "README.md", "Dockerfile", "test_image.py")
    names = [arg for name in repository_files for arg in ("-o", "-name", name)][1:]
    assert find("(", *names, ")") == []


# Run inside the image: the installed distribution as importlib.metadata sees it, every RECORD
# hash checked against the file on disk, and each module's bytecode checked as the import
# system would (the pyc header must match the source's mtime and size, or its hash).
INSTALLED_PROJECT = """
import base64, hashlib, importlib.metadata as md, importlib.util, json, os, sys
dist = md.distribution(sys.argv[1])
found = {"version": dist.version, "direct_url": dist.read_text("direct_url.json"),
         "modules": [], "bad_hashes": [], "without_bytecode": []}
for entry in dist.files:
    path = entry.locate()
    if entry.hash:
        digest = hashlib.new(entry.hash.mode, open(path, "rb").read()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != entry.hash.value:
            found["bad_hashes"].append(str(entry))
    if entry.suffix != ".py" or str(entry).startswith(".."):
        continue
    found["modules"].append(str(entry))
    try:
        header = open(importlib.util.cache_from_source(path), "rb").read(16)
    except OSError:
        header = b""
    source, stat = open(path, "rb").read(), os.stat(path)
    valid = header[:4] == importlib.util.MAGIC_NUMBER and (
        header[8:16] == importlib.util.source_hash(source) if header[4:8] != bytes(4) else
        header[8:16] == (int(stat.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little")
        + (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little"))
    if not valid:
        found["without_bytecode"].append(str(entry))
print(json.dumps(found))
"""


def test_the_project_is_installed_as_its_wheel_with_bytecode(service):
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    installed = json.loads(service.exec("python", "-c", INSTALLED_PROJECT, project["name"]))
    assert installed["version"] == project["version"]
    # importlib.metadata.files() lists every module of the package, and nothing else.
    modules = sorted(str(path.relative_to(REPO / "src")) for path in REPO.glob("src/**/*.py"))
    assert sorted(installed["modules"]) == modules
    assert installed["bad_hashes"] == []
    assert installed["without_bytecode"] == []
    # Installed by name, not from a path that exists only in the build.
    assert installed["direct_url"] is None


def test_image_adds_less_than_the_budget_to_its_base(image):
    base = python_image()
    if docker("image", "inspect", base, check=False).returncode != 0:
        docker("pull", base, timeout=600)  # CI builds with buildx, which leaves no local copy

    def size(name: str) -> int:
        return int(docker("image", "inspect", "--format", "{{.Size}}", name).stdout)

    above_mb = (size(image) - size(base)) / 1_000_000
    assert 0 < above_mb < SIZE_BUDGET_MB
