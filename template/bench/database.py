"""What the `database` option costs: the postgresql service's image next to the default one.

    uv run --project template python -m template.bench.database [--runs 3] [--requests 500]

Generates both services, builds their images, and prints for each: the image's size, the time
from `docker run` to the first 200 of /healthz (median of --runs), and a worker's RSS after
--requests requests to its example route. The postgresql service runs against a PostgreSQL
container of the bench's own (POSTGRES_IMAGE, else postgres:17), migrated first.
"""

import argparse
import os
import tempfile
import urllib.request
from pathlib import Path

from template.proofs.generation import generate

from .report import MB, median
from .serving import QUIET, Server
from tests.support.engine import build_image, docker, poll, unique

# Each service's example route, read as a client would.
ROUTES = {"none": "/items/5", "postgresql": "/items"}
PASSWORD = "bench-only"  # noqa: S105 (a server of the bench's own, on the engine's bridge)


def start_postgres(name: str) -> dict[str, str]:
    """A PostgreSQL on the engine's default bridge; the settings that reach it from there."""
    image = os.environ.get("POSTGRES_IMAGE", "postgres:17")
    docker("run", "--detach", f"--name={name}", "--env=POSTGRES_USER=app",
           f"--env=POSTGRES_PASSWORD={PASSWORD}", image)  # fmt: skip
    probe = ("exec", name, "pg_isready", "-h", "127.0.0.1", "-U", "app")
    if not poll(lambda: docker(*probe, check=False).returncode == 0, timeout=180):
        raise TimeoutError(f"PostgreSQL did not start:\n{docker('logs', name).stderr}")
    address = docker("inspect", "--format", "{{.NetworkSettings.IPAddress}}", name).stdout.strip()
    return {"APP_DATABASE_HOST": address, "APP_DATABASE_PASSWORD": PASSWORD}


def measure(image: str, route: str, env: dict[str, str], args: argparse.Namespace) -> dict:
    starts = []
    for _ in range(args.runs):
        server = Server(image, env={**QUIET, **env})
        starts.append(server.start_s)
        server.stop()
    server = Server(image, env={**QUIET, **env})
    for _ in range(args.requests):
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{route}", timeout=30):
            pass
    rss = server.rss_per_worker_mb()
    server.stop()
    size = int(docker("image", "inspect", "--format", "{{.Size}}", image).stdout)
    return {"size_mb": round(size / MB), "start_s": median(starts), "rss_mb": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    images = {database: unique(f"bench-{database}") + ":latest" for database in ROUTES}
    database_server = unique("bench-postgres")
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for database, image in images.items():
                build_image(generate(Path(scratch) / database, database=database), image)
        settings = {"none": {}, "postgresql": start_postgres(database_server)}
        env_flags = [f"--env={k}={v}" for k, v in settings["postgresql"].items()]
        docker("run", "--rm", *env_flags, images["postgresql"], "migrate")
        print("| service | image MB | start to first 200 s | worker RSS MB |")
        print("| --- | --- | --- | --- |")
        for database, image in images.items():
            figures = measure(image, ROUTES[database], settings[database], args)
            print(f"| {database} | {figures['size_mb']} | {figures['start_s']} | "
                  f"{figures['rss_mb']} |")  # fmt: skip
    finally:
        docker("rm", "--force", "--volumes", database_server, check=False)
        docker("rmi", "--force", *images.values(), check=False)


if __name__ == "__main__":
    main()
