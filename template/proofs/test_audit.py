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


def audit_command() -> list[str]:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text())
    (command,) = [
        step["run"] for step in workflow["jobs"]["checks"]["steps"]
        if step.get("run", "").startswith("uv audit")
    ]  # fmt: skip
    return shlex.split(command)


class Advisories(BaseHTTPRequestHandler):
    """One known vulnerability in every version of AFFECTED, no others."""

    def do_POST(self) -> None:  # /v1/querybatch
        queries = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["queries"]
        hit = {"vulns": [{"id": ADVISORY, "modified": "2026-01-01T00:00:00Z"}]}
        self.reply({"results": [hit if q["package"]["name"] == AFFECTED else {} for q in queries]})

    def do_GET(self) -> None:  # /v1/vulns/<id>
        self.reply({
            "id": ADVISORY, "modified": "2026-01-01T00:00:00Z", "summary": "stand-in advisory",
            "affected": [{
                "package": {"name": AFFECTED, "ecosystem": "PyPI"},
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
