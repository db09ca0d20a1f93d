"""The Compose files: valid, and the production one shaped for production."""

import subprocess

import pytest
import yaml

from tests.paths import REPO, TOOLS

COMPOSE_FILES = ["compose.yaml", "compose.production.yaml"]


def config(name: str) -> dict:
    result = subprocess.run(
        [str(TOOLS / "docker-compose"), "-f", name, "config", "--format", "yaml"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_compose_file_is_valid(name):
    assert config(name)["services"]


def test_development_watches_the_code_and_rebuilds_on_dependency_changes():
    web = config("compose.yaml")["services"]["web"]
    assert web["build"]["target"] == "dev"
    actions = {
        (rule["action"], rule["path"].rsplit("/", 1)[-1]) for rule in web["develop"]["watch"]
    }
    assert actions == {("sync", "src"), ("rebuild", "uv.lock"), ("rebuild", "pyproject.toml")}


def test_production_service_is_hardened_and_waits_for_the_pre_start_step(worker_rss_mb):
    services = config("compose.production.yaml")["services"]
    web, prestart = services["web"], services["prestart"]
    assert web["restart"] == "unless-stopped"
    assert web["depends_on"]["prestart"]["condition"] == "service_completed_successfully"
    assert prestart["command"] == ["prestart"]
    for service in (web, prestart):
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
        assert service["tmpfs"] == ["/tmp"]
    workers = int(web["environment"]["WEB_CONCURRENCY"])
    assert workers >= 2
    assert "healthcheck" not in web  # the image's own HEALTHCHECK applies
    # The limit holds every worker at the measured RSS, plus the supervisor and some headroom.
    worker_bytes = worker_rss_mb * 1_000_000
    assert (workers + 1) * worker_bytes < int(web["mem_limit"]) < 3 * workers * worker_bytes


def test_production_secrets_reach_the_app_as_files_named_like_their_variable():
    config_ = config("compose.production.yaml")
    for name in ("web", "prestart"):
        targets = [secret["target"] for secret in config_["services"][name]["secrets"]]
        assert targets == ["OTEL_EXPORTER_OTLP_HEADERS"], name
    assert "otlp_headers" in config_["secrets"]
