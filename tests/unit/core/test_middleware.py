import logging

import pytest
from fastapi.testclient import TestClient

from fastapi_uv_template.core import middleware
from fastapi_uv_template.core.middleware import access_logger, route_path

from .conftest import platform_app


@pytest.fixture
def access_log(caplog):
    caplog.set_level("INFO", logger=access_logger.name)
    return lambda: [r.__dict__ for r in caplog.records if r.name == access_logger.name]


def test_one_record_per_request_with_its_fields(access_log):
    client = TestClient(platform_app(), client=("203.0.113.7", 50000))
    client.get("/numbers/5", params={"secret": "x"})
    client.get("/numbers/abc")
    first, second = access_log()
    fields = ("method", "path", "status", "client", "scheme")
    assert [first[k] for k in fields] == ["GET", "/numbers/5", 200, "203.0.113.7", "http"]
    assert second["status"] == 422


def test_a_client_that_is_no_address_and_a_long_path_are_not_logged_as_given(access_log):
    # uvicorn takes a trusted proxy's X-Forwarded-For text as the client, whatever it says.
    client = TestClient(platform_app(), client=("6.6.6.6 status=200", 50000))
    client.get("/numbers/" + "9" * 20_000)
    (record,) = access_log()
    assert record["client"] == "invalid"
    assert len(record["path"]) == middleware.LOGGED_PATH_LIMIT


def test_redirects_never_point_at_a_host_the_client_named():
    forged = {"Host": "evil.example"}
    response = TestClient(platform_app()).get("/healthz/", headers=forged, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (307, "/healthz")
    allowed = TestClient(platform_app(allowed_hosts="api.example.com"), base_url="http://x")
    assert allowed.get("/numbers/1", headers=forged).json() == {"detail": "Invalid host header"}
    assert allowed.get("/numbers/1", headers={"Host": "[::1"}).status_code == 400
    assert allowed.get("/healthz", headers=forged).status_code == 200  # probes name pod IPs
    mine = {"Host": "api.example.com:8443"}
    response = allowed.get("/numbers/1/", headers=mine, follow_redirects=False)
    assert response.headers["location"] == "http://api.example.com:8443/numbers/1"


def test_a_request_id_is_made_returned_logged_and_given_to_handlers(client, access_log):
    first, second = (client.get("/numbers/1") for _ in range(2))
    ids = [response.headers["x-request-id"] for response in (first, second)]
    assert ids[0] != ids[1]
    assert first.json()["request_id"] == ids[0]
    assert [record["request_id"] for record in access_log()] == ids


@pytest.mark.parametrize(
    ("given", "kept"),
    [("4bf92f3577b34da6a3ce929d0e0e4736", True), ("abc-123:x/y=", True), ("has spaces", False),
     ("x" * 129, False), ("semi;colon", False), ("", False)],
)  # fmt: skip
def test_an_incoming_request_id_is_kept_only_when_it_looks_like_one(client, given, kept):
    returned = client.get("/numbers/1", headers={"X-Request-ID": given}).headers["x-request-id"]
    assert (returned == given) is kept
    assert returned.isalnum() or kept


def test_health_probes_are_not_logged_unless_asked(access_log):
    with TestClient(platform_app()) as quiet:
        for path in ("/healthz", "/readyz", "/numbers/1"):
            quiet.get(path)
    with TestClient(platform_app(root_path="/api")) as prefixed:
        prefixed.get("/api/healthz")
    with TestClient(platform_app(log_health_probes=True)) as chatty:
        chatty.get("/healthz")
    assert [record["path"] for record in access_log()] == ["/numbers/1", "/healthz"]


def test_a_failing_handler_gives_a_json_500_and_one_record_with_traceback_and_id(caplog):
    response = TestClient(platform_app()).get("/boom", headers={"X-Request-ID": "req-boom"})
    assert (response.status_code, response.json()) == (500, {"detail": "Internal Server Error"})
    assert response.headers["X-Request-ID"] == "req-boom"
    (record,) = [r for r in caplog.records if r.exc_info]
    assert (record.name, record.status, record.request_id) == (access_logger.name, 500, "req-boom")
    assert "RuntimeError: boom" in caplog.text


def test_records_logged_while_handling_a_request_carry_its_id(caplog):
    app = platform_app()
    orders = logging.getLogger(f"{access_logger.name.rsplit('.', 1)[0]}.orders")

    @app.get("/order")
    def order() -> None:
        orders.warning("charging", extra={"order": 7})

    TestClient(app).get("/order", headers={"X-Request-ID": "req-7"})
    (record,) = [r for r in caplog.records if r.name == orders.name]
    assert (record.request_id, record.order) == ("req-7", 7)


def test_a_client_cannot_forge_or_colour_a_log_line(capsys):
    TestClient(platform_app(log_format="text")).get("/numbers/5%0d%0a2026-11-28 INFO x%1b[2J")
    (line,) = [line for line in capsys.readouterr().err.splitlines() if "status=" in line]
    assert line.isprintable()
    assert r'path="/numbers/5\r\n2026-11-28 INFO x\x1b[2J"' in line


@pytest.mark.parametrize(
    ("path", "root_path", "expected"),
    # Only whole path segments are a prefix: /apis is no /api.
    [("/api/healthz", "/api", "/healthz"), ("/api", "/api", "/"), ("/healthz", "/api", "/healthz"),
     ("/apis/healthz", "/api", "/apis/healthz"), ("/healthz", "", "/healthz")],
)  # fmt: skip
def test_route_path_strips_the_root_path_only_as_a_prefix_of_segments(path, root_path, expected):
    assert route_path({"path": path, "root_path": root_path}) == expected
