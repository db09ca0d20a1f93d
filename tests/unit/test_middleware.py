import json
import logging
import uuid

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from fastapi_uv_template.main import create_app
from fastapi_uv_template.middleware import access_logger, route_path
from fastapi_uv_template.settings import Settings


@pytest.fixture
def access_log(caplog):
    caplog.set_level("INFO", logger=access_logger.name)
    return lambda: [r for r in caplog.records if r.name == access_logger.name]


def test_one_log_line_per_request_with_method_path_status_and_duration(client, access_log):
    client.get("/items/5", params={"q": "x"})
    client.get("/items/abc")
    first, second = access_log()
    assert (first.fields["method"], first.fields["path"], first.fields["status"]) == (
        "GET",
        "/items/5",
        200,
    )
    assert first.fields["duration_ms"] >= 0
    assert first.fields["client"] == "testclient"
    assert second.fields["status"] == 422
    assert first.getMessage().startswith("GET /items/5 200 ")


def test_a_request_id_is_generated_returned_and_logged(client, access_log):
    first = client.get("/").headers["x-request-id"]
    second = client.get("/").headers["x-request-id"]
    assert first != second
    assert uuid.UUID(first)
    assert [r.fields["request_id"] for r in access_log()] == [first, second]
    assert f"request_id={first}" in access_log()[0].getMessage()


def test_an_incoming_request_id_is_kept(client, access_log):
    given = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = client.get("/", headers={"X-Request-ID": given})
    assert response.headers["x-request-id"] == given
    assert access_log()[0].fields["request_id"] == given


@pytest.mark.parametrize("given", ["has spaces", "x" * 129, "semi;colon", ""])
def test_an_incoming_value_that_is_no_id_is_replaced(client, access_log, given):
    returned = client.get("/", headers={"X-Request-ID": given}).headers["x-request-id"]
    assert returned != given
    assert uuid.UUID(returned)


def test_handlers_can_read_the_request_id():
    app = create_app(Settings())

    @app.get("/whoami")
    def whoami(request: Request) -> str:
        return request.state.request_id

    response = TestClient(app).get("/whoami", headers={"X-Request-ID": "abc-123"})
    assert response.json() == "abc-123"


def test_health_probes_are_not_logged_unless_asked(access_log):
    with TestClient(create_app(Settings())) as quiet:
        quiet.get("/healthz")
        quiet.get("/readyz")
        quiet.get("/")
    assert [r.fields["path"] for r in access_log()] == ["/"]

    with TestClient(create_app(Settings(log_health_probes=True))) as chatty:
        chatty.get("/healthz")
    assert [r.fields["path"] for r in access_log()][-1] == "/healthz"


def test_probes_stay_quiet_under_a_root_path(access_log):
    client = TestClient(create_app(Settings(root_path="/api")))
    client.get("/api/healthz")
    client.get("/healthz")
    assert access_log() == []


def test_a_failing_handler_gives_a_json_500_and_one_record_with_traceback_and_id(caplog):
    app = create_app(Settings())

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    # raise_server_exceptions stays on: nothing may reach the server.
    response = TestClient(app).get("/boom", headers={"X-Request-ID": "req-boom"})
    assert (response.status_code, response.json()) == (500, {"detail": "Internal Server Error"})
    assert response.headers["X-Request-ID"] == "req-boom"
    (record,) = [r for r in caplog.records if r.exc_info]
    assert record.name == access_logger.name
    assert record.fields["status"] == 500
    assert record.request_id == "req-boom"
    assert "RuntimeError: boom" in caplog.text


def test_records_logged_while_handling_a_request_carry_its_id(caplog):
    app = create_app(Settings())
    handler_logger = logging.getLogger(f"{access_logger.name.rsplit('.', 1)[0]}.orders")

    @app.get("/order")
    def order() -> dict[str, bool]:
        handler_logger.warning("charging", extra={"order": 7})
        return {"ok": True}

    TestClient(app).get("/order", headers={"X-Request-ID": "req-7"})
    (record,) = [r for r in caplog.records if r.name == handler_logger.name]
    assert (record.request_id, record.order) == ("req-7", 7)


def test_json_format_writes_one_parseable_line_per_request(capsys):
    client = TestClient(create_app(Settings(log_format="json")))
    client.get("/items/9", headers={"X-Request-ID": "req-9"})
    (line,) = [line for line in capsys.readouterr().err.splitlines() if '"logger"' in line]
    entry = json.loads(line)
    assert entry["logger"] == access_logger.name
    assert (entry["method"], entry["path"], entry["status"], entry["request_id"]) == (
        "GET",
        "/items/9",
        200,
        "req-9",
    )


@pytest.mark.parametrize(
    ("path", "root_path", "expected"),
    [
        ("/api/healthz", "/api", "/healthz"),
        ("/api", "/api", "/"),
        ("/healthz", "/api", "/healthz"),
        ("/apis/healthz", "/api", "/apis/healthz"),  # only whole path segments are a prefix
        ("/healthz", "", "/healthz"),
    ],
)
def test_route_path_strips_the_root_path_only_as_a_prefix_of_segments(path, root_path, expected):
    assert route_path({"path": path, "root_path": root_path}) == expected


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/items/5%0d%0a2026-11-28 INFO forged: GET / 200", "/items/5\\r\\n2026-11-28 INFO forged"),
        ("/items/%1b[31mred", "/items/\\x1b[31mred"),
        ("/items/a%00b", "/items/a\\x00b"),
    ],
    ids=["CR LF", "ANSI", "NUL"],
)
def test_a_client_cannot_forge_or_colour_log_lines(client, access_log, path, shown):
    client.get(path)
    (record,) = access_log()
    line = record.getMessage()
    assert shown in line
    assert line.isprintable()
    # The JSON fields keep the path as it was; json.dumps escapes it on its one line.
    assert (
        "\r" in record.fields["path"]
        or "\x1b" in record.fields["path"]
        or "\x00" in (record.fields["path"])
    )


def test_the_log_line_shows_the_scheme(client, access_log):
    client.get("/items/5")
    (record,) = access_log()
    assert record.getMessage().endswith(" scheme=http")
