import os

import pytest

from fastapi_uv_template.core.config import SettingsError
from fastapi_uv_template.core.secrets import read_secret_files


def test_settings_come_from_files_named_like_their_variable(tmp_path):
    files = {
        "APP_TITLE": "Orders from a file\n",
        "APP_LOG_LEVEL": "",  # empty: sets nothing
        "APP_DOCS_ENABLED": "false",  # the environment has it already: it wins
        "UNRELATED": "ignored",
    }
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    (tmp_path / "APP_ROOT_PATH").symlink_to(os.devnull)  # what Compose mounts for an unset secret
    environ = {"APP_DOCS_ENABLED": "true"}
    names = {"APP_TITLE", "APP_LOG_LEVEL", "APP_DOCS_ENABLED", "APP_ROOT_PATH"}
    read_secret_files(names, environ, tmp_path)
    assert environ == {"APP_DOCS_ENABLED": "true", "APP_TITLE": "Orders from a file"}


def test_no_secrets_folder_is_no_error(tmp_path):
    environ: dict[str, str] = {}
    read_secret_files({"APP_TITLE"}, environ, tmp_path / "missing")
    assert environ == {}


@pytest.mark.parametrize(
    ("make", "reason"),
    [(lambda path: path.symlink_to(path.with_name("gone")), "does not exist"),
     (lambda path: path.mkdir(), "a directory"),
     (lambda path: path.write_bytes(b"caf\xe9-s3cr3t"), "not UTF-8"),
     (lambda path: path.write_text("key=s3cr3t\nline two"), "a line break")],
)  # fmt: skip
def test_a_secret_file_in_doubt_stops_the_service_naming_the_variable(tmp_path, make, reason):
    make(tmp_path / "OTEL_EXPORTER_OTLP_HEADERS")
    with pytest.raises(SettingsError) as raised:
        read_secret_files({"OTEL_EXPORTER_OTLP_HEADERS"}, {}, tmp_path)
    assert str(raised.value).startswith("invalid setting OTEL_EXPORTER_OTLP_HEADERS (secret file")
    assert reason in str(raised.value)
    assert "s3cr3t" not in str(raised.value)
