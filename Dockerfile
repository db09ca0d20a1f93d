# Base images are build arguments: `--build-arg PYTHON_IMAGE=python:3.13-slim@sha256:…` pins one.
ARG PYTHON_IMAGE=python:3.13-slim
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9

FROM ${UV_IMAGE} AS uv

FROM ${PYTHON_IMAGE} AS dependencies
COPY --from=uv /uv /usr/local/bin/uv
# Compile bytecode at build time (fast start, read-only root); copy out of the cache mount
# instead of hard-linking; use the image's Python, never a downloaded one.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=0
WORKDIR /app

# Third-party dependencies only: this layer changes when uv.lock does, not when the code does.
# A private index's credentials come as a BuildKit secret, a netrc file uv reads, so they reach
# no layer, history or cache key: `docker build --secret id=netrc,src=$HOME/.netrc .`.
# uv's .lock file goes: world-writable and of no use in an image nobody runs uv in.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=secret,id=netrc,target=/root/.netrc \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --locked --no-install-project --no-editable --no-dev \
    && rm .venv/.lock

# The project as its build backend builds it: a wheel, installed non-editable into a tree of its
# own (--prefix) that the runtime lays over the environment, so the code is a small layer apart.
# A stage of its own, so that nothing it does to the environment reaches the dependency layer.
# Installed by name from a local wheel directory, so no direct_url.json points at the build's files.
FROM dependencies AS project
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=pyproject.toml,target=/src/pyproject.toml \
    --mount=type=bind,source=README.md,target=/src/README.md \
    --mount=type=bind,source=src,target=/src/src \
    --mount=type=tmpfs,target=/tmp/dist \
    uv build --wheel --out-dir /tmp/dist /src \
    && wheel=$(basename /tmp/dist/*.whl) \
    && uv pip install --no-cache --no-deps --prefix /app/project --no-index --find-links /tmp/dist \
        "${wheel%%-*}" \
    && rm /app/project/.lock

# Local development and the test suite (compose.yaml): the project editable, with the dev group,
# so that code which `docker compose watch` syncs into /app/src reloads without a rebuild.
FROM dependencies AS dev
COPY . /app
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=secret,id=netrc,target=/root/.netrc \
    uv sync --locked
ENV PATH="/app/.venv/bin:$PATH"
CMD ["fastapi", "dev", "--host", "0.0.0.0"]

FROM ${PYTHON_IMAGE} AS runtime
WORKDIR /app
# OTLP exports (when an endpoint is set) give up after 2 s, retries included (the Python
# exporter reads seconds): with the collector down, a stop still ends well within 10 s.
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    OTEL_EXPORTER_OTLP_TIMEOUT=2
COPY --from=dependencies /app/.venv /app/.venv
# The code last: a code-only change rebuilds only this layer, tens of kilobytes.
COPY --from=project /app/project /app/.venv
EXPOSE 8000
# A fixed numeric UID, no passwd entry needed; group 0 and root-owned, world-readable files let
# platforms that pick an arbitrary UID (OpenShift) run the image too, and nobody can edit the code.
USER 10001:0
# GET /healthz through bash's /dev/tcp: no curl in the slim image, and a Python start per probe
# would cost more than the answer (and time out on a busy host). Starts get a minute.
HEALTHCHECK --interval=5s --timeout=10s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-8000} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == 'HTTP/1.1 200 '* ]]"]
# Every setting is checked first (one line naming a bad one, before any worker starts); then
# check-settings runs the command (`fastapi` inside its own process, core/server.py says why;
# anything else by exec), so the server is PID 1 and gets SIGTERM directly.
ENTRYPOINT ["check-settings"]
CMD ["fastapi", "run", "--entrypoint", "fastapi_uv_template.main:app", "--proxy-headers"]
