"""The Kubernetes manifests: valid against a pinned schema, and consistent with the image and the
service they run."""

import re
import subprocess

import pytest
import yaml

from fastapi_uv_template.core.secrets import SECRETS_DIR
from fastapi_uv_template.main import create_app
from fastapi_uv_template.settings import Settings

from .conftest import CONSOLE_SCRIPTS, IMAGE_UID, WORKER_RSS_MB
from tests.support.paths import REPO, TOOLS

KUBERNETES_VERSION = "1.37.0"
MANIFESTS = REPO / "deploy" / "kubernetes"
# The seconds a stop takes at most once SIGTERM arrives (tests/image/test_image.py).
SHUTDOWN_SECONDS = 10


def load(name: str) -> dict:
    return yaml.safe_load((MANIFESTS / name).read_text())


@pytest.fixture(scope="module")
def pod() -> dict:
    return load("deployment.yaml")["spec"]["template"]["spec"]


def mebibytes(quantity: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()
    return int(number) * (1024 if unit == "Gi" else 1)


def test_every_manifest_is_listed_and_validates_strictly():
    resources = load("kustomization.yaml")["resources"]
    assert set(resources) == {p.name for p in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml"}
    result = subprocess.run(
        [str(TOOLS / "kubernetes-validate"), "--strict", "--quiet",
         "--kubernetes-version", KUBERNETES_VERSION, *(str(MANIFESTS / r) for r in resources)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_probes_point_at_the_apps_routes_on_its_port(pod):
    routes = set(create_app(Settings()).openapi()["paths"])
    (web,) = pod["containers"]
    ports = {port["name"]: port["containerPort"] for port in web["ports"]}
    for probe in ("livenessProbe", "startupProbe", "readinessProbe"):
        assert web[probe]["httpGet"]["path"] in routes, probe
        assert ports[web[probe]["httpGet"]["port"]] == 8000, probe
    assert web["readinessProbe"]["httpGet"]["path"] != web["livenessProbe"]["httpGet"]["path"]


def test_pods_run_as_the_images_uid(pod):
    assert pod["securityContext"]["runAsUser"] == IMAGE_UID


def test_memory_follows_the_measured_worker_rss(pod):
    (web,) = pod["containers"]
    worker_mib = WORKER_RSS_MB * 1_000_000 / 1024 / 1024
    request = mebibytes(web["resources"]["requests"]["memory"])
    limit = mebibytes(web["resources"]["limits"]["memory"])
    # One worker per pod; the limit leaves room for spikes but not for a leak.
    assert worker_mib < request < 2 * worker_mib
    assert 2 * worker_mib <= limit <= 4 * worker_mib


def test_the_grace_period_covers_the_pre_stop_pause_and_the_shutdown(pod):
    (web,) = pod["containers"]
    command = web["lifecycle"]["preStop"]["exec"]["command"]
    assert pod["terminationGracePeriodSeconds"] >= int(command[1]) + SHUTDOWN_SECONDS


def test_the_init_container_runs_the_pre_start_command_of_the_same_image(pod):
    (init,), (web,) = pod["initContainers"], pod["containers"]
    assert init["command"][0] in CONSOLE_SCRIPTS
    assert (init["image"], init["envFrom"]) == (web["image"], web["envFrom"])


def test_a_settings_change_rolls_the_pods_and_the_settings_pass_the_check(pod, check_settings):
    (generator,) = load("kustomization.yaml")["configMapGenerator"]
    references = {
        ref["configMapRef"]["name"]
        for container in pod["initContainers"] + pod["containers"]
        for ref in container["envFrom"]
    }
    assert references == {generator["name"]}
    (env_file,) = generator["envs"]
    lines = (MANIFESTS / env_file).read_text().splitlines()
    check_settings(dict(line.split("=", 1) for line in lines if line and line[0] != "#"))


def test_secret_settings_are_mounted_where_the_service_reads_them(pod):
    (volume,) = [v for v in pod["volumes"] if "secret" in v]
    assert volume["secret"]["optional"] is True
    for container in pod["initContainers"] + pod["containers"]:
        (mount,) = [m for m in container["volumeMounts"] if m["name"] == volume["name"]]
        assert mount["mountPath"] == str(SECRETS_DIR), container["name"]


def test_the_autoscaler_alone_sets_the_replicas_and_everything_selects_the_same_pods():
    deployment = load("deployment.yaml")
    assert "replicas" not in deployment["spec"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert load("poddisruptionbudget.yaml")["spec"]["selector"]["matchLabels"] == selector
    assert load("service.yaml")["spec"]["selector"] == selector
    target = load("horizontalpodautoscaler.yaml")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
