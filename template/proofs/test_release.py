"""The release round trip against a real registry on 127.0.0.1: the image the suite tested is
pushed, pulled back by digest and checked by .github/release.sh, the script CI's release runs.

Here `docker push` sends the image; CI's build-push-action pushes by digest with buildx, which
this engine lacks. From the digest on, both run the same script.
"""

import json
import os
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.engine import docker, free_port, poll, unique
from tests.support.paths import REPO

RELEASE = REPO / ".github" / "release.sh"
MANIFEST_TYPES = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
])  # fmt: skip


def pushed_reference(tag: str) -> str:
    """`repository@digest` of a pushed tag, as the engine recorded the push."""
    repository = tag.rsplit(":", 1)[0]
    digests = json.loads(
        docker("image", "inspect", "--format", "{{json .RepoDigests}}", tag).stdout
    )
    (reference,) = [entry for entry in digests if entry.startswith(f"{repository}@")]
    return reference


def release(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(RELEASE), *args], capture_output=True, text=True, timeout=300,
        env={**os.environ, "PROBE_SECONDS": "30"},
    )  # fmt: skip


@pytest.fixture(scope="module")
def registry(engine, tmp_path_factory) -> Iterator[str]:
    """Debian's docker-registry (distribution 2.8), on a loopback port, storing in a temp dir."""
    binary = shutil.which("docker-registry")
    if binary is None:
        message = "no docker-registry (Debian package docker-registry; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("registry")
    address = f"127.0.0.1:{free_port()}"
    config = home / "config.yml"
    config.write_text(
        "version: 0.1\n"
        f"storage:\n  filesystem:\n    rootdirectory: {home / 'data'}\n"
        f"http:\n  addr: {address}\n"
    )
    log = home / "registry.log"
    with log.open("wb") as output:
        server = subprocess.Popen([binary, "serve", str(config)], stdout=output, stderr=output)

    def answers() -> bool:
        with urllib.request.urlopen(f"http://{address}/v2/", timeout=2) as response:
            return response.status == 200

    try:
        assert poll(answers, timeout=120), log.read_text()
        yield address
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def pushed(image, registry) -> Iterator[tuple[str, str]]:
    """The tested image pushed to the registry: (repository, digest)."""
    repository = f"{registry}/{unique('release')}"
    docker("tag", image, f"{repository}:candidate")
    docker("push", f"{repository}:candidate", timeout=300)
    digest = pushed_reference(f"{repository}:candidate").split("@")[1]
    yield repository, digest
    for reference in (f"{repository}:candidate", f"{repository}@{digest}"):
        docker("rmi", reference, check=False)


def containers_of(image: str) -> set[str]:
    return set(docker("ps", "--all", "--quiet", "--filter", f"ancestor={image}").stdout.split())


def test_the_pushed_digest_is_the_tested_image_and_serves(image, pushed):
    repository, digest = pushed
    before = containers_of(image)
    host, name = repository.split("/", 1)
    request = urllib.request.Request(
        f"http://{host}/v2/{name}/manifests/{digest}", headers={"Accept": MANIFEST_TYPES}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        manifest = json.load(response)
    tested_id = docker("image", "inspect", "--format", "{{.Id}}", image).stdout.strip()
    # The image ID is the digest of its configuration (the engine's classic store) or of its
    # manifest (the containerd store): either way, what the registry holds is the tested image.
    assert tested_id in (manifest.get("config", {}).get("digest"), digest)

    result = release("verify", f"{repository}@{digest}", image)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "holds the tested image" in result.stdout
    assert "serves /healthz" in result.stdout
    pulled_id = docker("image", "inspect", "--format", "{{.Id}}", f"{repository}@{digest}")
    assert pulled_id.stdout.strip() == tested_id
    # The probe's container is gone.
    assert containers_of(image) == before


@pytest.fixture
def variant(image, pushed, tmp_path) -> Iterator[str]:
    """The tested image's layers exactly, with one setting changed: it listens on another port."""
    repository, _ = pushed
    (tmp_path / "Dockerfile").write_text(f"FROM {image}\nENV PORT=9000\n")
    tag = f"{repository}:variant"
    docker("build", "--quiet", "-t", tag, str(tmp_path), timeout=300)
    yield tag
    docker("rmi", tag, check=False)


def test_a_digest_that_is_not_the_tested_image_is_refused(image, variant):
    docker("push", variant, timeout=300)
    reference = pushed_reference(variant)
    result = release("verify", reference, image)
    assert result.returncode == 1
    assert f"{reference} is not the image the tests passed ({image})" in result.stderr
    assert "serves" not in result.stdout


def test_probe_fails_with_the_log_when_nothing_serves_on_8000(variant):
    result = subprocess.run(
        [str(RELEASE), "probe", variant], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PROBE_SECONDS": "5"},
    )  # fmt: skip
    assert result.returncode == 1
    assert "did not answer /healthz within 5 s" in result.stderr
    assert ":9000" in result.stderr  # the container's log, with the port it did listen on


def test_the_script_refuses_an_unknown_step():
    result = release("deploy")
    assert result.returncode == 2
    assert "usage: release.sh verify|probe|publish" in result.stderr
    assert Path(RELEASE).stat().st_mode & 0o111  # runnable as CI calls it
