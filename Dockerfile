# Base images are build arguments so CI can pin digests and tests can pass stand-in tags.
ARG PYTHON_IMAGE=python:3.13-slim
# Its Python minor version, which names the site-packages directory; the build fails if they differ.
ARG PYTHON_VERSION=3.13
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS builder
COPY --from=uv /uv /usr/local/bin/uv
# Compile bytecode at build time (fast start, read-only root); copy out of the cache mount
# instead of hard-linking; use the image's Python, never a downloaded one; skip the dev group.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=0 \
    UV_NO_DEV=1
WORKDIR /app

# Third-party dependencies only: this layer changes when uv.lock does, not when the code does.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --locked --no-install-project --no-editable

# The project's metadata and console scripts, non-editable, from pyproject.toml alone: this layer
# too outlives code changes. uv_build needs the package directory, so an empty one stands in for the
# code, and is removed again: the runtime stage copies the real modules into its place.
ARG PYTHON_VERSION
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=pyproject.toml,target=/src/pyproject.toml \
    --mount=type=bind,source=README.md,target=/src/README.md \
    package=fastapi_uv_template site="/app/project/lib/python$PYTHON_VERSION/site-packages" \
    && mkdir -p "/src/src/$package" && touch "/src/src/$package/__init__.py" \
    && uv pip install --no-deps --prefix /app/project /src \
    && if [ ! -d "$site" ]; then \
        echo "error: PYTHON_VERSION=$PYTHON_VERSION is not PYTHON_IMAGE's Python" >&2; exit 1; fi \
    && rm -r "${site:?}/$package"

# Local development (compose.yaml): the project installed editable, so that code which
# `docker compose watch` syncs into /app/src reloads without a rebuild. Release builds skip it.
FROM builder AS dev
COPY . /app
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked
ENV PATH="/app/.venv/bin:$PATH"
CMD ["fastapi", "dev", "--host", "0.0.0.0"]

FROM ${PYTHON_IMAGE} AS runtime
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1
COPY --from=builder /app/.venv /app/.venv
COPY --from=builder /app/project /app/.venv
# The code last, with a plain COPY of src/ (the package): a code-only change runs no build step.
ARG PYTHON_VERSION
COPY src/ /app/.venv/lib/python$PYTHON_VERSION/site-packages/
EXPOSE 8000
# A fixed numeric UID, no passwd entry needed; group 0 and root-owned, world-readable files let
# platforms that pick an arbitrary UID (OpenShift) run the image too, and nobody can edit the code.
USER 10001:0
# Python's standard library instead of curl, which the slim image does not have.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen(f'http://127.0.0.1:{os.getenv(\"PORT\", \"8000\")}/healthz', timeout=2)"]
# Exec form: fastapi is PID 1 and receives SIGTERM directly for a graceful shutdown.
CMD ["fastapi", "run", "--entrypoint", "fastapi_uv_template.main:app", "--proxy-headers"]
