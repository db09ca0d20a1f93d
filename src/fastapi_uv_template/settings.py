"""The service's own settings, from APP_<NAME> variables or files in /run/secrets.

Add a field here and it is read, checked at start (a bad value stops the container with one line
naming the variable) and shown to handlers (dependencies.py). A `SecretStr` is never printed.
The platform's settings (logging, probes, the server's) come from `PlatformSettings`.
"""

from .core.config import PlatformSettings, Text


class Settings(PlatformSettings):
    # The title of the API docs.
    title: Text = "FastAPI service"
