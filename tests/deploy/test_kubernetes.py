"""The Kubernetes manifests: valid against a pinned schema, and the invariants that matter."""

import re
import subprocess

import pytest
import yaml

from fastapi_uv_template.main import create_app
from fastapi_uv_template.settings import Settings, check_settings

from tests.paths import REPO, TOOLS

KUBERNETES_VERSION = "1.37.0"
MANIFESTS = REPO / "deploy" / "kubernetes"
MI = 1024 * 1024


def load(name: str) -> dict:
    return yaml.safe_load((MANIFESTS / name).read_text())


@pytest.fixture(scope="module")
def resources() -> list[str]:
    return load("kustomization.yaml")["resources"]


@pytest.fixture(scope="module")
def pod() -> dict:
    return load("deployment.yaml")["spec"]["template"]["spec"]


def containers(pod: dict) -> list[dict]:
    return pod["initContainers"] + pod["containers"]


def config_env() -> dict[str, str]:
    """The pods' settings: config.env, which kustomize turns into the ConfigMap."""
    lines = (MANIFESTS / "config.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def mebibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()
    return int(number) * (1024 if unit == "Gi" else 1)


def test_kustomization_lists_every_manifest(resources):
    present = {p.name for p in MANIFESTS.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(resources) == present


def test_every_manifest_validates_strictly_against_the_pinned_schema(resources):
    result = subprocess.run(
        [str(TOOLS / "kubernetes-validate"), "--strict", "--quiet",
         "--kubernetes-version", KUBERNETES_VERSION, *(str(MANIFESTS / r) for r in resources)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_strict_validation_rejects_an_unknown_field(tmp_path):
    broken = load("service.yaml")
    broken["spec"]["portz"] = []
    path = tmp_path / "service.yaml"
    path.write_text(yaml.safe_dump(broken))
    result = subprocess.run(
        [str(TOOLS / "kubernetes-validate"), "--strict", "--quiet",
         "--kubernetes-version", KUBERNETES_VERSION, str(path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0


def test_probes_point_at_the_apps_own_routes(pod):
    routes = set(create_app(Settings()).openapi()["paths"])
    (web,) = pod["containers"]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    port_names = {port["name"] for port in web["ports"]}
    for probe in ("livenessProbe", "startupProbe", "readinessProbe"):
        assert web[probe]["httpGet"]["path"] in routes
        assert web[probe]["httpGet"]["port"] in port_names
    assert web["ports"][0]["containerPort"] == 8000


def test_pod_runs_as_the_images_uid(pod, image_uid):
    assert pod["securityContext"]["runAsUser"] == image_uid


def test_every_container_meets_the_restricted_pod_security_profile(pod):
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    for container in containers(pod):
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False, container["name"]
        assert context["capabilities"]["drop"] == ["ALL"], container["name"]
        assert context["readOnlyRootFilesystem"] is True, container["name"]
        assert "privileged" not in context, container["name"]


def test_tmp_is_a_writable_empty_dir(pod):
    (web,) = pod["containers"]
    (mount,) = [m for m in web["volumeMounts"] if m["mountPath"] == "/tmp"]
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert "emptyDir" in volume


def test_memory_follows_the_measured_worker_rss(pod, worker_rss_mb):
    (web,) = pod["containers"]
    resources = web["resources"]
    worker_mib = worker_rss_mb * 1_000_000 / MI
    request, limit = (
        mebibytes(resources["requests"]["memory"]),
        mebibytes(resources["limits"]["memory"]),
    )
    # The request covers one worker; the limit leaves room for spikes but not for a leak.
    assert worker_mib < request < 2 * worker_mib
    assert 2 * worker_mib <= limit <= 4 * worker_mib


def test_one_server_process_per_pod(pod):
    (web,) = pod["containers"]
    assert "command" not in web  # the image's CMD: fastapi run, no --workers
    assert "WEB_CONCURRENCY" not in config_env()
    assert all(env["name"] != "WEB_CONCURRENCY" for env in web.get("env", []))


def test_grace_period_covers_the_pre_stop_pause_and_the_shutdown(pod):
    (web,) = pod["containers"]
    command = web["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    shutdown_budget = 10  # seconds; `docker stop` measures well under 1 s (tests/container)
    assert pod["terminationGracePeriodSeconds"] >= int(command[1]) + shutdown_budget


def test_init_container_runs_the_pre_start_command(pod, console_scripts):
    (init,) = pod["initContainers"]
    assert init["command"] == ["prestart"]
    assert "prestart" in console_scripts
    (web,) = pod["containers"]
    assert init["image"] == web["image"]
    assert init["envFrom"] == web["envFrom"]


def test_disruption_budget_and_autoscaler_target_the_deployment():
    deployment = load("deployment.yaml")
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert load("poddisruptionbudget.yaml")["spec"]["selector"]["matchLabels"] == selector
    assert load("service.yaml")["spec"]["selector"] == selector
    target = load("horizontalpodautoscaler.yaml")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    assert load("horizontalpodautoscaler.yaml")["spec"]["minReplicas"] >= 2


def test_a_config_change_rolls_the_deployment():
    # A generated ConfigMap gets a name with a hash of its content, which kustomize writes into
    # the Deployment's references: new settings, new pod template, a rollout.
    kustomization = load("kustomization.yaml")
    (generator,) = kustomization["configMapGenerator"]
    assert generator["envs"] == ["config.env"]
    assert not kustomization.get("generatorOptions", {}).get("disableNameSuffixHash")
    pod = load("deployment.yaml")["spec"]["template"]["spec"]
    references = {ref["configMapRef"]["name"] for c in containers(pod) for ref in c["envFrom"]}
    assert references == {generator["name"]}


def test_the_pods_settings_are_valid(monkeypatch):
    for name, value in config_env().items():
        monkeypatch.setenv(name, value)
    check_settings()


def test_the_autoscaler_alone_sets_the_replicas():
    assert "replicas" not in load("deployment.yaml")["spec"]


def test_the_image_is_an_immutable_reference():
    (image,) = load("kustomization.yaml")["images"]
    assert image.get("digest") or re.fullmatch(r"\d+\.\d+\.\d+", image["newTag"])


def test_probes_have_timeouts_that_hold_under_load(pod):
    (web,) = pod["containers"]
    for probe in ("livenessProbe", "readinessProbe"):
        assert web[probe]["timeoutSeconds"] >= 3, probe


def test_secret_settings_come_from_an_optional_secret_volume(pod):
    (volume,) = [v for v in pod["volumes"] if "secret" in v]
    assert volume["secret"]["optional"] is True
    for container in containers(pod):
        mounts = {m["name"]: m for m in container["volumeMounts"]}
        assert mounts[volume["name"]]["mountPath"] == "/run/secrets", container["name"]
        assert mounts[volume["name"]]["readOnly"] is True
