"""CI's dependency audit, run as the workflow runs it, against a stand-in vulnerability service
(the OSV API that `uv audit` asks) on 127.0.0.1: osv.dev itself is not reachable here."""

import json
import shlex
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests.support.paths import REPO

ADVISORY = "GHSA-0000-test-0000"
# A runtime dependency that every generated service locks too.
AFFECTED = "starlette"
# And one in a dev tool, which the image does not hold.
DEV_ADVISORY, DEV_AFFECTED = "GHSA-0000-devt-0000", "pytest"
ADVISORIES = {AFFECTED: ADVISORY, DEV_AFFECTED: DEV_ADVISORY}


def checks_steps() -> list[dict]:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text())
    return workflow["jobs"]["checks"]["steps"]


def audit_command() -> list[str]:
    (command,) = [s["run"] for s in checks_steps() if s.get("run", "").startswith("uv audit")]
    return shlex.split(command)


class Advisories(BaseHTTPRequestHandler):
    """One known vulnerability in every version of each package of ADVISORIES, no others."""

    def do_POST(self) -> None:  # /v1/querybatch
        queries = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["queries"]
        self.reply({"results": [
            {"vulns": [{"id": ADVISORIES[name], "modified": "2026-01-01T00:00:00Z"}]}
            if (name := q["package"]["name"]) in ADVISORIES else {} for q in queries
        ]})  # fmt: skip

    def do_GET(self) -> None:  # /v1/vulns/<id>
        advisory = self.path.rsplit("/", 1)[1]
        (package,) = [name for name, known in ADVISORIES.items() if known == advisory]
        self.reply({
            "id": advisory, "modified": "2026-01-01T00:00:00Z", "summary": "stand-in advisory",
            "affected": [{
                "package": {"name": package, "ecosystem": "PyPI"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
            }],
        })  # fmt: skip

    def reply(self, document: dict) -> None:
        body = json.dumps(document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Advisories)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def audit(project: Path, service: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*audit_command(), "--service-url", service], cwd=project, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def project_copy(destination: Path, extra_ignore: str = "") -> Path:
    for name in ("pyproject.toml", "uv.lock", "README.md", ".python-version"):
        shutil.copy2(REPO / name, destination / name)
    if extra_ignore:
        pyproject = destination / "pyproject.toml"
        text = pyproject.read_text()
        assert "\nignore = [" in text  # the documented list
        pyproject.write_text(text.replace("\nignore = [", f'\nignore = ["{extra_ignore}", ', 1))
    return destination


def test_a_known_vulnerability_fails_the_audit_and_is_named(service):
    result = audit(REPO, service)
    assert result.returncode == 1, result.stdout + result.stderr
    assert AFFECTED in result.stdout
    assert ADVISORY in result.stdout
    assert DEV_ADVISORY not in result.stdout  # the gate is what the image ships


def test_dev_tool_advisories_reach_the_summary_without_failing_the_run(service, tmp_path):
    """The workflow's step as written, with `uv audit` asking the stand-in."""
    (script,) = [s["run"] for s in checks_steps() if "dev tools" in s.get("name", "")]
    (tmp_path / "bin").mkdir()
    uv = tmp_path / "bin" / "uv"
    uv.write_text(f'#!/bin/sh\nexec {shutil.which("uv")} "$@" --service-url {service}\n')
    uv.chmod(0o755)
    summary = tmp_path / "summary.md"
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=REPO,
        capture_output=True, text=True, timeout=120,
        env={"PATH": f"{tmp_path / 'bin'}:/usr/bin:/bin", "RUNNER_TEMP": str(tmp_path),
             "GITHUB_STEP_SUMMARY": str(summary), "HOME": str(Path.home())},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "::warning title=Dev tools::" in result.stdout
    assert DEV_ADVISORY in summary.read_text()
    assert ADVISORY not in summary.read_text()


def test_an_entry_in_the_documented_ignore_list_lets_it_pass(service, tmp_path):
    result = audit(project_copy(tmp_path, extra_ignore=ADVISORY), service)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no known vulnerabilities" in result.stderr


def test_the_audit_checks_the_lock_first(service, tmp_path):
    # --locked: an audit of a lock that no longer matches pyproject.toml would audit the wrong
    # versions, so it fails instead.
    project = project_copy(tmp_path)
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text().replace("dependencies = [", 'dependencies = [\n    "six",', 1)
    pyproject.write_text(text)
    result = audit(project, service)
    assert result.returncode == 1
    assert "needs to be updated, but `--locked` was" in result.stderr
