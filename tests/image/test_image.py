"""The real image, built and run as a user would: who it runs as, how it starts, fails and stops,
and what a code-only change costs."""

import re
import subprocess
import uuid

import pytest

from tests.support.engine import build_image, copy_repository, docker, layer_ids, layer_sizes, poll

pytestmark = pytest.mark.container


@pytest.fixture(scope="module")
def service(start):
    """The image as shipped: default user, default flags."""
    return start()


@pytest.fixture(scope="module")
def hardened(start):
    """The image locked down, under an arbitrary UID as OpenShift would pick."""
    return start(
        "--read-only", "--tmpfs=/tmp", "--cap-drop=ALL", "--security-opt=no-new-privileges",
        "--user=4242:0",
    )  # fmt: skip


def process_uids(container) -> set[int]:
    status = container.exec("cat", "/proc/1/status")
    return set(map(int, re.search(r"^Uid:\s+(.*)$", status, re.MULTILINE).group(1).split()))


def test_serves_as_a_fixed_non_root_uid_in_group_zero(service):
    assert service.get_json("/healthz") == (200, {"status": "ok"})
    assert process_uids(service) == {10001}
    assert service.inspect("{{.Config.User}}") == "10001:0"


def test_runs_read_only_under_an_arbitrary_uid_and_can_change_none_of_its_code(hardened):
    assert hardened.get_json("/readyz") == (200, {"status": "ready"})
    assert process_uids(hardened) == {4242}
    assert hardened.exec("find", "/app", "-writable").split() == []


def test_health_check_turns_healthy(service, hardened):
    def states() -> set[str]:
        return {c.inspect("{{.State.Health.Status}}") for c in (service, hardened)}

    # A ceiling for a starved host (the image gives a start a minute), not an expected time.
    assert poll(lambda: states() == {"healthy"}, timeout=180, interval=1), states()


def stopped_with_one_line(container) -> str:
    try:
        code = docker("wait", container.name, timeout=180).stdout.strip()
    except subprocess.TimeoutExpired:
        pytest.fail(f"the service kept running with a bad setting:\n{container.logs()}")
    (line,) = container.logs().strip().splitlines()
    assert code != "0"
    return line


@pytest.mark.parametrize(
    ("variable", "value"),
    [("APP_LOG_LEVEL", "loud"), ("PORT", "8001.0"), ("WEB_CONCURRENCY", "2.0")],
)
def test_a_bad_setting_stops_it_with_one_line_naming_the_variable(start, variable, value):
    container = start(env={"WEB_CONCURRENCY": "2", variable: value}, wait=False)
    assert stopped_with_one_line(container).startswith(
        f"error: invalid setting {variable}={value!r}: "
    )


def test_a_secret_file_the_service_cannot_read_stops_it_naming_the_variable(start, tmp_path):
    # As a host's files usually are: another owner's, mode 600.
    secret = tmp_path / "APP_TITLE"
    secret.write_text("Orders")
    secret.chmod(0o600)
    container = start(f"--volume={secret}:/run/secrets/APP_TITLE:ro", "--user=10002:0", wait=False)
    line = stopped_with_one_line(container)
    assert line.startswith(
        "error: invalid setting APP_TITLE (secret file /run/secrets/APP_TITLE): "
    )
    assert "not readable by the service's user (uid 10002)" in line


def test_stop_is_graceful(start):
    container = start()
    # A process that ignored SIGTERM would be killed at the deadline with code 137.
    docker("stop", "--time=10", container.name, timeout=120)
    assert container.inspect("{{.State.ExitCode}}") == "0"
    assert "shutdown complete" in container.logs()


def test_a_code_only_change_rebuilds_one_small_layer(tmp_path, image):
    context = tmp_path / "context"
    copy_repository(context)
    before, after = (f"code-change-{uuid.uuid4().hex[:8]}:{name}" for name in ("a", "b"))
    try:
        build_image(context, before)
        # A new module, unique per run so that no earlier build can have cached it.
        package = next((context / "src").glob("*/main.py")).parent
        marker = uuid.uuid4().hex
        (package / "changed.py").write_text(f'MARKER = "{marker}"\n')
        build_image(context, after)
        old, new = layer_ids(before), layer_ids(after)
        # Every layer but the last (the project's) is reused byte for byte.
        assert old[:-1] == new[:-1]
        assert old[-1] != new[-1]
        assert 0 < layer_sizes(after)[-1] < 1_000_000
        check = f"from {package.name}.changed import MARKER; assert MARKER == {marker!r}"
        docker("run", "--rm", after, "python", "-c", check)
    finally:
        docker("rmi", "--force", before, after, check=False)
