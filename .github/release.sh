#!/usr/bin/env bash
# The release steps that follow the container tests, as CI runs them (.github/workflows/ci.yml)
# and as you can run them by hand:
#   release.sh verify REPOSITORY@DIGEST TESTED_IMAGE
#       pulls the pushed image back by digest, fails unless it holds the tested image's layers
#       and configuration, then starts it and waits for /healthz
#   release.sh probe IMAGE
#       starts the image on a loopback port and waits for /healthz (an emulated build's check)
#   release.sh publish REPOSITORY DIGEST...
#       one multi-platform list of those digests, under every tag in DOCKER_METADATA_OUTPUT_TAGS
#       (docker/metadata-action's), and prints digest=<the list's digest>
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

publish() {
  local repository=$1 digest
  shift
  if [ "$#" -eq 0 ]; then echo "release: no digests to publish" >&2; return 1; fi
  local sources=() tags=()
  for digest in "$@"; do sources+=("$repository@$digest"); done
  while read -r tag; do
    if [ -n "$tag" ]; then tags+=(--tag "$tag"); fi
  done <<<"${DOCKER_METADATA_OUTPUT_TAGS:?set by docker/metadata-action}"
  # Its own output goes to stderr: stdout is the one line CI reads ($GITHUB_OUTPUT).
  docker buildx imagetools create "${tags[@]}" "${sources[@]}" >&2
  digest=$(docker buildx imagetools inspect "${tags[1]}" --format '{{.Manifest.Digest}}')
  echo "release: published $repository@$digest" >&2
  echo "digest=$digest"
}

command=${1:-}
shift || true
case "$command" in
  verify) verify "$@" ;;
  probe) probe "$@" ;;
  publish) publish "$@" ;;
  *) echo "usage: release.sh verify|probe|publish ... (see the comment at its top)" >&2; exit 2 ;;
esac
