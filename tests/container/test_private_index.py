"""A dependency from a private index with basic auth: credentials as a BuildKit secret only.

A real index (pypiserver, with an htpasswd file) on 127.0.0.1 serves a package published to it.
The index listens on the loopback interface only, so these builds use the host network to reach
it: that is the one reason for `--network=host` here, not how users build.
"""

import base64
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from passlib.apache import HtpasswdFile

from .engine import (
    build_image,
    copy_repository,
    docker,
    free_port,
    python_image,
    run_container,
    steps,
    try_build,
)  # fmt: skip

pytestmark = pytest.mark.container

PRIVATE_PACKAGE = "private-greeting"
GREETING = "hello from the private index"


@dataclass
class Index:
    url: str
    user: str
    password: str
    packages: Path

    def netrc(self, path: Path, password: str | None = None) -> Path:
        host = self.url.split("//", 1)[1].split(":", 1)[0]
        path.write_text(f"machine {host} login {self.user} password {password or self.password}\n")
        return path

    def publish(self, version: str) -> None:
        """Build the private package at this version and upload it with the credentials."""
        package = self.packages / version
        module = package / "src" / "private_greeting"
        module.mkdir(parents=True)
        (module / "__init__.py").write_text(f"GREETING = {GREETING!r}\n")
        (package / "pyproject.toml").write_text(
            f'[project]\nname = "{PRIVATE_PACKAGE}"\nversion = "{version}"\n\n'
            '[build-system]\nrequires = ["uv_build>=0.13.9,<0.14"]\nbuild-backend = "uv_build"\n'
        )
        uv("build", "--wheel", "--out-dir", "dist", cwd=package)
        wheels = sorted((package / "dist").glob("*.whl"))
        uv("publish", "--publish-url", self.url, "--username", self.user,
           "--password", self.password, *wheels, cwd=package)  # fmt: skip

    def locked_project(self, destination: Path, version: str) -> Path:
        """A copy of the project that depends on the private package, locked against the index."""
        copy_repository(destination)
        pyproject = destination / "pyproject.toml"
        text = pyproject.read_text().replace(
            "dependencies = [\n", f'dependencies = [\n    "{PRIVATE_PACKAGE}=={version}",\n', 1
        )
        pyproject.write_text(
            text + f'\n[[tool.uv.index]]\nname = "private"\nurl = "{self.url}/simple/"\n'
            f'explicit = true\n\n[tool.uv.sources]\n{PRIVATE_PACKAGE} = {{ index = "private" }}\n'
        )
        # Locally, uv reads the index's credentials from UV_INDEX_<NAME>_USERNAME / _PASSWORD.
        uv("lock", cwd=destination, UV_INDEX_PRIVATE_USERNAME=self.user,
           UV_INDEX_PRIVATE_PASSWORD=self.password)  # fmt: skip
        return destination


def uv(*args: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        ["uv", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, **env},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Iterator[Index]:
    """pypiserver with basic auth on 127.0.0.1, started and stopped here."""
    root = tmp_path_factory.mktemp("index")
    (root / "served").mkdir()
    (root / "packages").mkdir()
    port = free_port()
    credentials = Index(f"http://127.0.0.1:{port}", "builder", uuid.uuid4().hex, root / "packages")
    htpasswd = HtpasswdFile(str(root / "htpasswd"), new=True)
    htpasswd.set_password(credentials.user, credentials.password)
    htpasswd.save()
    server = subprocess.Popen(
        [sys.executable, "-m", "pypiserver", "run", "--interface=127.0.0.1", f"--port={port}",
         f"--passwords={root / 'htpasswd'}", "--authenticate=update,download,list",
         str(root / "served")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_index(credentials.url)
        yield credentials
    finally:
        server.terminate()
        server.wait(timeout=10)


def wait_for_index(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/simple/", timeout=2).close()
            return
        except urllib.error.HTTPError:  # 401: it answers, and asks for credentials
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"the package index at {url} did not start")


@pytest.fixture(scope="module")
def project(index, tmp_path_factory) -> Path:
    index.publish("1.0.0")
    return index.locked_project(tmp_path_factory.mktemp("private") / "service", "1.0.0")


@pytest.fixture(scope="module")
def image(index, project, tmp_path_factory) -> Iterator[str]:
    tag = f"fut-private-{uuid.uuid4().hex[:8]}:test"
    netrc = index.netrc(tmp_path_factory.mktemp("secret") / "netrc")
    build_image(project, tag, "--network=host", f"--secret=id=netrc,src={netrc}")
    yield tag
    docker("rmi", "--force", tag, check=False)


def test_the_lock_file_holds_no_credentials(index, project):
    lock = (project / "uv.lock").read_text()
    assert f'name = "{PRIVATE_PACKAGE}"' in lock
    assert index.password not in lock


def test_the_image_imports_the_private_package_and_serves(image):
    check = "import private_greeting; print(private_greeting.GREETING)"
    assert docker("run", "--rm", image, "python", "-c", check).stdout.strip() == GREETING
    container = run_container(image)
    try:
        container.wait_until_serving()
        assert container.get_json("/items/5?q=x") == (200, {"item_id": 5, "q": "x"})
    finally:
        container.remove()


@pytest.mark.parametrize(
    ("password", "answer"),
    [(None, "401 Unauthorized"), ("wrong-password", "403 Forbidden")],
    ids=["no secret", "wrong password"],
)
def test_without_valid_credentials_the_build_fails_clearly(index, tmp_path, password, answer):
    netrc = index.netrc(tmp_path / "netrc", password)
    secret = [f"--secret=id=netrc,src={netrc}"] if password else []
    # A version no build has downloaded: uv's cache mount (never reset by these tests; that is
    # what --no-cache would do to it) cannot serve it, so the index must.
    version = f"1.0.{uuid.uuid4().int % 10**6}"
    index.publish(version)
    context = index.locked_project(tmp_path / "service", version)
    tag = f"fut-private-{uuid.uuid4().hex[:8]}:denied"
    result = try_build(context, tag, "--network=host", *secret)
    assert result.returncode != 0
    # uv names the package, the index's URL and the HTTP answer.
    failure = result.stderr[result.stderr.index("error:") :]
    assert f"Failed to download `{PRIVATE_PACKAGE}=={version}`" in failure
    assert f"{answer}) for url ({index.url}/" in failure, failure


def secret_forms(index: Index) -> list[bytes]:
    """The password itself, and the Authorization header value that carries it."""
    basic = base64.b64encode(f"{index.user}:{index.password}".encode())
    return [index.password.encode(), basic]


def test_the_credentials_reach_no_layer_history_config_or_cache(index, image, tmp_path):
    saved = subprocess.run(["docker", "save", image], capture_output=True, check=True).stdout
    history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", image).stdout
    config = docker("image", "inspect", image).stdout
    # uv's cache mount, read back by a build that shares it (cache mounts are keyed by target).
    reader = tmp_path / "reader"
    reader.mkdir()
    (reader / "Dockerfile").write_text(
        f"FROM {python_image()} AS read\nARG RUN_ID\n"
        "RUN --mount=type=cache,target=/root/.cache/uv echo $RUN_ID \\\n"
        "    && tar -cf /cache.tar -C /root/.cache uv\n"
        "FROM scratch\nCOPY --from=read /cache.tar /\n"
    )
    # A new RUN_ID, not --no-cache: BuildKit gives a --no-cache build empty cache mounts.
    docker("build", f"--build-arg=RUN_ID={uuid.uuid4().hex}",
           f"--output=type=local,dest={tmp_path / 'out'}", str(reader), timeout=600)  # fmt: skip
    cache = (tmp_path / "out" / "cache.tar").read_bytes()
    # Really read: the image, and the cache that downloaded the private package.
    assert len(saved) > 10_000_000
    assert b"private_greeting" in cache
    for form in secret_forms(index):
        assert form not in saved, "a layer holds the credentials"
        assert form.decode() not in history + config, "the history or config holds them"
        assert form not in cache, "uv's build cache holds them"


def test_a_code_only_rebuild_reuses_the_dependency_layer(index, project, image, tmp_path):
    netrc = index.netrc(tmp_path / "netrc")
    routes = next((project / "src").glob("*/routes/items.py"))
    routes.write_text(routes.read_text() + f"\n# {uuid.uuid4().hex}\n")
    tag = f"fut-private-{uuid.uuid4().hex[:8]}:changed"
    try:
        log = build_image(project, tag, "--network=host", f"--secret=id=netrc,src={netrc}")
    finally:
        docker("rmi", "--force", tag, check=False)
    (dependencies,) = [title for title in steps(log, "RUN ") if "--no-install-project" in title]
    assert "CACHED" in steps(log, "RUN ")[dependencies]
