"""A dependency from a private index with basic auth: credentials as a BuildKit secret only.

A real index (pypiserver, with an htpasswd file) runs in a container, as a team's index runs on
a host of its own. This test reaches it through a port published on 127.0.0.1; builds reach it
by name, `index.test`, as a user's builds reach their index by its DNS name.
"""

import base64
import contextlib
import importlib.metadata
import os
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from passlib.apache import HtpasswdFile
from template.support import python_image, steps

from tests.support.engine import (
    build_image,
    copy_repository,
    docker,
    poll,
    run_container,
    try_build,
    unique,
)

pytestmark = pytest.mark.container

PRIVATE_PACKAGE = "private-greeting"
GREETING = "hello from the private index"
# The index's name and port as builds see them.
INDEX_HOST, INDEX_PORT = "index.test", 8000
BUILD_URL = f"http://{INDEX_HOST}:{INDEX_PORT}"


@dataclass
class Index:
    url: str  # where this test reaches it: its port published on 127.0.0.1
    address: str  # the container's address on the engine's network, for builds to resolve
    user: str
    password: str
    packages: Path

    def netrc(self, path: Path, password: str | None = None) -> Path:
        password = password or self.password
        path.write_text(f"machine {INDEX_HOST} login {self.user} password {password}\n")
        return path

    def build_flags(self, netrc: Path | None) -> list[str]:
        """`docker build` options: the index's name, and the netrc as a BuildKit secret."""
        secret = [f"--secret=id=netrc,src={netrc}"] if netrc else []
        return [f"--add-host={INDEX_HOST}:{self.address}", *secret]

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
        # Locked through the published port; the project and its lock then name the index as
        # builds reach it, the same files a user with a named index has.
        for name in ("pyproject.toml", "uv.lock"):
            path = destination / name
            path.write_text(path.read_text().replace(self.url, BUILD_URL))
        return destination


def uv(*args: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        ["uv", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, **env},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def index(engine, tmp_path_factory) -> Iterator[Index]:
    """pypiserver with basic auth in a container, started and removed here."""
    root = tmp_path_factory.mktemp("index")
    (root / "packages").mkdir()
    user, password = "builder", uuid.uuid4().hex
    htpasswd = HtpasswdFile(str(root / "htpasswd"), new=True)
    htpasswd.set_password(user, password)
    htpasswd.save()
    # The versions of pypiserver and passlib that uv.lock pins, on the project's Python image.
    server = root / "server"
    server.mkdir()
    pins = " ".join(
        f"{name}=={importlib.metadata.version(name)}" for name in ("pypiserver", "passlib")
    )
    (server / "Dockerfile").write_text(
        f"FROM {python_image()}\nRUN pip install --no-cache-dir --disable-pip-version-check {pins}"
        " && mkdir /packages\n"
    )
    server_image = unique("test-pypiserver") + ":test"
    docker("build", "--quiet", "-t", server_image, str(server), timeout=600)
    container = run_container(
        server_image, f"--volume={root / 'htpasswd'}:/htpasswd:ro",
        command=("python", "-m", "pypiserver", "run", "--interface=0.0.0.0",
                 f"--port={INDEX_PORT}", "--passwords=/htpasswd",
                 "--authenticate=update,download,list", "/packages"),
    )  # fmt: skip
    address = container.inspect("{{.NetworkSettings.IPAddress}}")
    try:
        assert poll(lambda: index_answers(container.url)), container.logs()
        yield Index(container.url, address, user, password, root / "packages")
    finally:
        container.remove()
        docker("rmi", "--force", server_image, check=False)


def index_answers(url: str) -> bool:
    with contextlib.suppress(urllib.error.HTTPError):  # 401: it answers, asking for credentials
        urllib.request.urlopen(url + "/simple/", timeout=2).close()
    return True


@pytest.fixture(scope="module")
def project(index, tmp_path_factory) -> Path:
    index.publish("1.0.0")
    return index.locked_project(tmp_path_factory.mktemp("private") / "service", "1.0.0")


@pytest.fixture(scope="module")
def image(index, project, tmp_path_factory) -> Iterator[str]:
    tag = f"test-private-{uuid.uuid4().hex[:8]}:test"
    netrc = index.netrc(tmp_path_factory.mktemp("secret") / "netrc")
    build_image(project, tag, *index.build_flags(netrc))
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
        assert container.get_json("/healthz") == (200, {"status": "ok"})
    finally:
        container.remove()


@pytest.mark.parametrize(
    ("password", "answer"),
    [(None, "401 Unauthorized"), ("wrong-password", "403 Forbidden")],
    ids=["no secret", "wrong password"],
)
def test_without_valid_credentials_the_build_fails_clearly(index, tmp_path, password, answer):
    netrc = index.netrc(tmp_path / "netrc", password) if password else None
    # A version no build has downloaded: uv's cache mount (never reset by these tests; that is
    # what --no-cache would do to it) cannot serve it, so the index must.
    version = f"1.0.{uuid.uuid4().int % 10**6}"
    index.publish(version)
    context = index.locked_project(tmp_path / "service", version)
    tag = f"test-private-{uuid.uuid4().hex[:8]}:denied"
    result = try_build(context, tag, *index.build_flags(netrc))
    assert result.returncode != 0
    # uv names the package, the index's URL and the HTTP answer.
    failure = result.stderr[result.stderr.index("error:") :]
    assert f"Failed to download `{PRIVATE_PACKAGE}=={version}`" in failure
    assert f"{answer}) for url ({BUILD_URL}/" in failure, failure


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
    main = next((project / "src").glob("*/main.py"))
    main.write_text(main.read_text() + f"\n# {uuid.uuid4().hex}\n")
    tag = f"test-private-{uuid.uuid4().hex[:8]}:changed"
    try:
        log = build_image(project, tag, *index.build_flags(netrc))
    finally:
        docker("rmi", "--force", tag, check=False)
    (dependencies,) = [title for title in steps(log, "RUN ") if "--no-install-project" in title]
    assert "CACHED" in steps(log, "RUN ")[dependencies]
