"""Steps before the server starts: check the settings, then wait for the TCP services it needs.

`check-settings` is the image's entrypoint: it checks every setting, then becomes the command,
so that no worker ever starts with a bad one (`fastapi` it runs in its own process, set up as
server.py says). `prestart` checks them too, then waits for APP_WAIT_FOR: run it as a one-shot
Compose service or a Kubernetes init container, so that a bad setting or a missing dependency
stops the rollout before any traffic. Both read secret files first.
"""

import os
import socket
import sys
import time

from ..settings import Settings
from .config import ServerSettings, SettingsError, check_all, variable_names
from .logs import command_line
from .secrets import read_secret_files


def checked_settings() -> Settings:
    read_secret_files(variable_names(Settings, ServerSettings))
    return check_all(Settings)


def answers(host: str, port: int, deadline: float) -> bool:
    """Whether a TCP connection to host:port succeeds before the deadline (time.monotonic)."""
    while True:
        remaining = deadline - time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=max(min(remaining, 2.0), 0.05)):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)


def check_then_run() -> None:
    """`check-settings [command...]`: exit with one line if a setting is bad, else become the
    command."""
    try:
        settings = checked_settings()
    except SettingsError as error:
        sys.exit(command_line(f"error: {error}", "error"))
    command = sys.argv[1:]
    if command[:1] == ["fastapi"]:
        # Imported here: only the server needs them, and `prestart` starts faster without.
        from fastapi.cli import main as fastapi_cli

        from . import server

        server.install(settings)
        sys.argv = command
        fastapi_cli()
    elif command:
        os.execvp(command[0], command)  # noqa: S606 (the container's own command)


def main() -> int:
    try:
        settings = checked_settings()
    except SettingsError as error:
        print(command_line(f"prestart: {error}", "error"), file=sys.stderr)
        return 2
    deadline = time.monotonic() + settings.wait_timeout
    for host, port in settings.wait_for:
        if not answers(host, port, deadline):
            message = (
                f"prestart: {host}:{port} did not answer within {settings.wait_timeout:g} s "
                "(APP_WAIT_FOR, APP_WAIT_TIMEOUT)"
            )
            print(command_line(message, "error"), file=sys.stderr)
            return 1
        print(command_line(f"prestart: {host}:{port} answers"))
    print(command_line("prestart: settings are valid; ready to start the server"))
    return 0
