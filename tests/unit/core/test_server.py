import importlib

import fastapi_cli.cli
import uvicorn

from fastapi_uv_template.core import server
from fastapi_uv_template.core.config import PlatformSettings

UVICORN_MAIN = importlib.import_module("uvicorn.main")


def test_uvicorn_gets_the_ping_timeout_our_logging_and_supervisor(monkeypatch):
    calls = []
    # Set first, so that the test's end restores what install() replaces.
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(UVICORN_MAIN, "Multiprocess", UVICORN_MAIN.Multiprocess)
    monkeypatch.setattr(fastapi_cli.cli, "get_rich_toolkit", fastapi_cli.cli.get_rich_toolkit)
    monkeypatch.setattr(server, "configure_logging", lambda settings: calls.append(settings))
    settings = PlatformSettings(worker_ping_timeout=45, log_format="json")
    server.install(settings)
    uvicorn.run(app="service:app", workers=2, log_config={"version": 1})
    assert calls == [settings, {"app": "service:app", "workers": 2, "log_config": None,
                                "timeout_worker_healthcheck": 45}]  # fmt: skip
    assert UVICORN_MAIN.Multiprocess is server.Supervisor
    # With JSON logs, fastapi-cli's banner would be lines of text among the objects.
    assert fastapi_cli.cli.get_rich_toolkit().console.quiet
