"""`.github/release.sh publish` runs only in CI: it needs buildx, which the test machine lacks.
Here a `docker` that records its arguments stands in for it, to check what the script asks
buildx to do with metadata-action's tags and the tested digests, and what it hands back to CI."""

import os
import subprocess
from pathlib import Path

from template.support import release

REPOSITORY = "ghcr.io/example-org/service"
DIGESTS = ["sha256:" + "a" * 64, "sha256:" + "b" * 64]
LIST_DIGEST = "sha256:" + "c" * 64
# Tags in $EXISTING are in the registry already; the list it makes has LIST_DIGEST.
RECORDING_DOCKER = f"""#!/bin/bash
echo "$*" >> "$DOCKER_CALLS"
case "$*" in
  *"imagetools inspect"*--format*) echo "{LIST_DIGEST}" ;;
  *"imagetools inspect"*) [[ " $EXISTING " == *" $4 "* ]] ;;
  *) echo "imagetools output" ;;
esac
"""


def publish(
    tmp_path: Path, tags: str | None, *digests: str, **env: str
) -> tuple[subprocess.CompletedProcess, list]:
    """Run the step with the recording docker first on PATH; `tags=None` leaves them unset."""
    (tmp_path / "docker").write_text(RECORDING_DOCKER)
    (tmp_path / "docker").chmod(0o755)
    calls = tmp_path / "calls"
    result = release(
        "publish", REPOSITORY, *digests, PATH=f"{tmp_path}{os.pathsep}{os.environ['PATH']}",
        DOCKER_CALLS=str(calls), DOCKER_METADATA_OUTPUT_TAGS=tags, **env,
    )  # fmt: skip
    return result, calls.read_text().splitlines() if calls.exists() else []


def test_every_tag_names_one_list_of_exactly_the_tested_digests(tmp_path):
    tags = f"{REPOSITORY}:1.2.3\n{REPOSITORY}:1.2\n{REPOSITORY}:latest\n"
    # metadata-action's annotations: the list's and its entries' are given, a manifest's not.
    annotations = "index:a=1\nmanifest-descriptor:b=2\nmanifest:c=3"
    result, calls = publish(
        tmp_path, tags, *DIGESTS, DOCKER_METADATA_OUTPUT_ANNOTATIONS=annotations
    )
    assert result.returncode == 0, result.stderr
    exists, create, inspect = calls
    # Only the version's tag is looked up: the moving ones may be moved.
    assert exists == f"buildx imagetools inspect {REPOSITORY}:1.2.3"
    assert create == (
        f"buildx imagetools create --tag {REPOSITORY}:1.2.3 --tag {REPOSITORY}:1.2 "
        f"--tag {REPOSITORY}:latest --annotation index:a=1 --annotation manifest-descriptor:b=2 "
        f"{REPOSITORY}@{DIGESTS[0]} {REPOSITORY}@{DIGESTS[1]}"
    )
    assert inspect.startswith(f"buildx imagetools inspect {REPOSITORY}:1.2.3 ")
    # Only the line CI reads reaches stdout (it goes to $GITHUB_OUTPUT).
    assert result.stdout == f"digest={LIST_DIGEST}\n"
    assert f"published {REPOSITORY}@{LIST_DIGEST}" in result.stderr


def test_nothing_is_published_without_tags_or_digests(tmp_path):
    result, calls = publish(tmp_path, f"{REPOSITORY}:main")
    assert result.returncode == 1
    assert "no digests to publish" in result.stderr
    assert calls == []
    result, calls = publish(tmp_path, None, *DIGESTS)
    assert result.returncode != 0
    assert "set by docker/metadata-action" in result.stderr
    assert calls == []


def test_a_version_tag_in_the_registry_is_never_rewritten(tmp_path):
    tags = f"{REPOSITORY}:main\n{REPOSITORY}:1.2.3-r4\n"
    result, calls = publish(tmp_path, tags, *DIGESTS, EXISTING=f"{REPOSITORY}:1.2.3-r4")
    assert result.returncode == 1
    assert f"{REPOSITORY}:1.2.3-r4 exists, and a version's tag is never rewritten" in result.stderr
    assert not [call for call in calls if "create" in call]
