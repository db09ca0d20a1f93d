"""The Compose files, as Compose reads them, against what the image and the service expect."""

import subprocess

import pytest
import yaml

from fastapi_uv_template.core.config import ServerSettings, variable_names
from fastapi_uv_template.settings import Settings

from .conftest import CONSOLE_SCRIPTS, WORKER_RSS_MB
from tests.support.paths import REPO, TOOLS


def config(name: str) -> dict:
    result = subprocess.run(
        [str(TOOLS / "docker-compose"), "-f", name, "config", "--format", "yaml"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


@pytest.fixture(scope="module")
def production() -> dict:
    return config("compose.production.yaml")


def test_production_settings_pass_the_services_own_check(production, check_settings):
    for name in ("web", "prestart"):
        check_settings(production["services"][name]["environment"])


def test_the_app_trusts_forwarded_headers_from_the_proxy_alone(production):
    web, proxy = production["services"]["web"], production["services"]["proxy"]
    (address,) = [network["ipv4_address"] for network in proxy["networks"].values()]
    assert web["environment"]["FORWARDED_ALLOW_IPS"] == address
    assert "ports" not in web


def test_the_app_starts_only_after_the_pre_start_step_succeeds(production):
    web, prestart = production["services"]["web"], production["services"]["prestart"]
    assert web["depends_on"]["prestart"]["condition"] == "service_completed_successfully"
    assert prestart["command"][0] in CONSOLE_SCRIPTS


def test_secrets_are_files_named_like_variables_the_service_reads(production):
    known = variable_names(Settings, ServerSettings)
    for name in ("web", "prestart"):
        targets = {secret["target"] for secret in production["services"][name]["secrets"]}
        assert targets, name
        assert targets <= known, name


def test_the_memory_limit_holds_every_worker_at_the_measured_size(production):
    web = production["services"]["web"]
    workers = int(web["environment"]["WEB_CONCURRENCY"])
    worker_bytes = WORKER_RSS_MB * 1_000_000
    assert (workers + 1) * worker_bytes < int(web["mem_limit"]) < 3 * workers * worker_bytes
