#!/usr/bin/env bash
# The release steps that follow the container tests, as CI runs them (.github/workflows/ci.yml)
# and as you can run them by hand:
#   release.sh verify REPOSITORY@DIGEST TESTED_IMAGE
#       pulls the pushed image back by digest, fails unless it holds the tested image's layers
#       and configuration, then starts it and waits for /healthz
#   release.sh probe IMAGE
#       starts the image on a loopback port and waits for /healthz (an emulated build's check)
#   release.sh newest
#       the newest release tag (vX.Y.Z, no pre-release) of the git repository here
#   release.sh tags push|refresh GIT_REF COMMIT [RUN_NUMBER]
#       the image tags a run publishes (README, "Deploy"): a push of main gives main and
#       sha-<commit>; of a tag vX.Y.Z, X.Y.Z; a refresh of a release, X.Y.Z-r<run>; of main,
#       main. X.Y, X and latest follow the newest release of their series.
#   release.sh publish REPOSITORY DIGEST...
#       one multi-platform list of those digests, under every tag in DOCKER_METADATA_OUTPUT_TAGS
#       (docker/metadata-action's), with the list's annotations; refuses to rewrite a version's
#       tag (any but main, latest, X.Y and X); prints digest=<the list's digest>
set -euo pipefail

# Long enough for a Python start under QEMU, where an arm64 build is emulated.
PROBE_SECONDS=${PROBE_SECONDS:-90}

probe() {
  local image=$1 container port
  container=$(docker run --detach --publish 127.0.0.1::8000 "$image")
  # shellcheck disable=SC2064 # the name is known now, and the trap must remove this container
  trap "docker rm --force $container >/dev/null" EXIT
  port=$(docker port "$container" 8000/tcp | head -n 1)
  for _ in $(seq "$((PROBE_SECONDS * 2))"); do
    if curl --silent --fail --max-time 2 "http://${port}/healthz" >/dev/null; then
      echo "release: $image serves /healthz"
      return 0
    fi
    sleep 0.5
  done
  echo "release: $image did not answer /healthz within $PROBE_SECONDS s" >&2
  docker logs "$container" >&2
  return 1
}

# What the image is, whatever store the engine keeps it in: the content digests of its layers,
# its platform and the configuration it runs with.
content() {
  docker image inspect --format '{{json .RootFS.Layers}} {{.Os}}/{{.Architecture}} {{json .Config}}' "$1"
}

verify() {
  local pushed=$1 tested=$2 platform
  # The tested image's platform: a per-platform push need not hold the host's.
  platform=$(docker image inspect --format '{{.Os}}/{{.Architecture}}' "$tested")
  docker pull --quiet --platform "$platform" "$pushed" >/dev/null
  if [ "$(content "$pushed")" != "$(content "$tested")" ]; then
    echo "release: $pushed is not the image the tests passed ($tested)" >&2
    return 1
  fi
  echo "release: $pushed holds the tested image ($tested)"
  probe "$pushed"
}

newest() {
  # Stable releases only, in version order; $1 narrows them to a series ("1.2." or "1.").
  git tag --list "v${1:-}*" | grep -E '^v[0-9]+\.[0-9]+\.[0-9]+$' | sort -V | tail -n 1
}

tags() {
  local event=$1 ref=$2 commit=$3 run=${4:-} version major minor
  version=${ref#refs/tags/v}
  # A tag names a version, or it would publish under a moving tag's name (v2 as 2).
  if [[ $ref == refs/tags/* && ! $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "release: $ref is not a version tag (vX.Y.Z, or vX.Y.Z-<pre-release>)" >&2
    return 1
  fi
  case "$event:$ref" in
    push:refs/heads/main) echo main; echo "sha-${commit:0:7}"; return ;;
    refresh:refs/heads/main) echo main; return ;;
    push:refs/tags/v*) echo "$version" ;;
    refresh:refs/tags/v*) echo "$version-r${run:?a refresh needs its run number}" ;;
    *) echo "release: nothing is published for $event of $ref" >&2; return 1 ;;
  esac
  # Moving tags go with the newest release of their series; a pre-release moves none.
  IFS=. read -r major minor _ <<<"$version"
  if [ "$(newest "$major.$minor.")" = "v$version" ]; then echo "$major.$minor"; fi
  if [ "$(newest "$major.")" = "v$version" ]; then echo "$major"; fi
  if [ "$(newest)" = "v$version" ]; then echo latest; fi
}

publish() {
  local repository=$1 digest tag annotation
  shift
  if [ "$#" -eq 0 ]; then echo "release: no digests to publish" >&2; return 1; fi
  local sources=() tags=() annotations=()
  for digest in "$@"; do sources+=("$repository@$digest"); done
  while read -r tag; do
    if [ -z "$tag" ]; then continue; fi
    if [[ ! ${tag##*:} =~ ^(main|latest|[0-9]+|[0-9]+\.[0-9]+)$ ]] \
      && docker buildx imagetools inspect "$tag" >/dev/null 2>&1; then
      echo "release: $tag exists, and a version's tag is never rewritten" >&2
      return 1
    fi
    tags+=(--tag "$tag")
  done <<<"${DOCKER_METADATA_OUTPUT_TAGS:?set by docker/metadata-action}"
  # Annotations on the list and its entries only: the platforms' manifests stay the tested ones.
  while read -r annotation; do
    if [[ $annotation =~ ^(index|manifest-descriptor): ]]; then
      annotations+=(--annotation "$annotation")
    fi
  done <<<"${DOCKER_METADATA_OUTPUT_ANNOTATIONS:-}"
  # Its own output goes to stderr: stdout is the one line CI reads ($GITHUB_OUTPUT).
  docker buildx imagetools create "${tags[@]}" "${annotations[@]}" "${sources[@]}" >&2
  digest=$(docker buildx imagetools inspect "${tags[1]}" --format '{{.Manifest.Digest}}')
  echo "release: published $repository@$digest" >&2
  echo "digest=$digest"
}

command=${1:-}
shift || true
case "$command" in
  verify) verify "$@" ;;
  probe) probe "$@" ;;
  newest) newest ;;
  tags) tags "$@" ;;
  publish) publish "$@" ;;
  *) echo "usage: release.sh verify|probe|newest|tags|publish ... (see the comment at its top)" >&2
    exit 2 ;;
esac
