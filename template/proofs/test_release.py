"""The release round trip against a real registry on 127.0.0.1: the image the suite tested is
pushed, pulled back by digest and checked by .github/release.sh, the script CI's release runs;
then published under a release's tags, and again by a weekly refresh.

Here `docker push` sends the image; CI's build-push-action pushes by digest with buildx, which
this engine's client lacks. From the digest on, both run the same script; for its two buildx
commands (`imagetools create` and `inspect`), BUILDX below does the same with `docker manifest`
and the registry's API, on single-platform images and without annotations.
"""

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pytest
from template.support import RELEASE_SCRIPT, release

from .generation import commit_all, run
from tests.support.engine import docker, free_port, poll, unique

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
    result = release("probe", variant, PROBE_SECONDS="5")
    assert result.returncode == 1
    assert "did not answer /healthz within 5 s" in result.stderr
    assert ":9000" in result.stderr  # the container's log, with the port it did listen on


def test_the_script_refuses_an_unknown_step():
    result = release("deploy")
    assert result.returncode == 2
    assert "usage: release.sh verify|probe|newest|tags|publish" in result.stderr
    assert RELEASE_SCRIPT.stat().st_mode & 0o111  # runnable as CI calls it


BUILDX = f"""#!{sys.executable}
import os, subprocess, sys, urllib.request
DOCKER, LISTS = {shutil.which("docker")!r}, {MANIFEST_TYPES!r}
args = sys.argv[1:]
if args[:2] != ["buildx", "imagetools"]:
    os.execv(DOCKER, [DOCKER, *args])
verb, words = args[2], iter(args[3:])
if verb == "inspect" and "--format" not in args:
    manifest = [DOCKER, "manifest", "inspect", "--insecure", args[3]]
    sys.exit(subprocess.run(manifest, capture_output=True).returncode)
if verb == "inspect":
    name, tag = args[3].rsplit(":", 1)
    host, path = name.split("/", 1)
    url = f"http://{{host}}/v2/{{path}}/manifests/{{tag}}"
    request = urllib.request.Request(url, method="HEAD", headers={{"Accept": LISTS}})
    print(urllib.request.urlopen(request, timeout=30).headers["Docker-Content-Digest"])
    sys.exit()
tags, sources = [], []
for word in words:
    if word == "--tag":
        tags.append(next(words))
    elif word == "--annotation":
        next(words)
    else:
        sources.append(word)
for tag in tags:
    subprocess.run([DOCKER, "manifest", "create", "--insecure", tag, *sources], check=True)
    subprocess.run([DOCKER, "manifest", "push", "--insecure", "--purge", tag], check=True)
"""


def test_a_weekly_refresh_adds_a_version_tag_and_moves_only_the_moving_ones(
    pushed, variant, tmp_path
):
    repository, tested = pushed
    docker("push", variant, timeout=300)
    rebuilt = pushed_reference(variant).split("@")[1]  # the refresh's build: other bytes
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "docker").write_text(BUILDX)
    (tmp_path / "bin" / "docker").chmod(0o755)
    path = f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"
    project = tmp_path / "project"  # the tags release.sh reads: one release, v1.2.3
    project.mkdir()
    commit_all(project, "Release 1.2.3")
    run("git", "tag", "v1.2.3", cwd=project)

    def publish(event: str, run_number: str, digest: str) -> subprocess.CompletedProcess:
        tags = release("tags", event, "refs/tags/v1.2.3", "0" * 40, run_number, cwd=project)
        names = "\n".join(f"{repository}:{tag}" for tag in tags.stdout.split())
        return release("publish", repository, digest, cwd=project, PATH=path,
                       DOCKER_METADATA_OUTPUT_TAGS=names)  # fmt: skip

    def digests(*tags: str) -> set[str]:
        inspect = [tmp_path / "bin" / "docker", "buildx", "imagetools", "inspect"]
        return {
            run(*inspect, f"{repository}:{tag}", "--format", "-", cwd=project).stdout.strip()
            for tag in tags
        }

    released = publish("push", "", tested)
    assert released.returncode == 0, released.stderr
    (first,) = digests("1.2.3", "1.2", "1", "latest")
    refreshed = publish("refresh", "8", rebuilt)
    assert refreshed.returncode == 0, refreshed.stderr
    (second,) = digests("1.2.3-r8", "1.2", "1", "latest")
    assert second != first
    assert digests("1.2.3") == {first}
    # The tag's run again (a re-run), or any build under a version that exists: refused.
    again = publish("push", "", rebuilt)
    assert again.returncode == 1
    assert f"{repository}:1.2.3 exists, and a version's tag is never rewritten" in again.stderr
    assert digests("1.2.3") == {first}
