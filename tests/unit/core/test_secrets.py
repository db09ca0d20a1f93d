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
    environ = {"APP_DOCS_ENABLED": "true"}
    names = {"APP_TITLE", "APP_LOG_LEVEL", "APP_DOCS_ENABLED"}
    read_secret_files(names, environ, tmp_path)
    assert environ == {"APP_DOCS_ENABLED": "true", "APP_TITLE": "Orders from a file"}


def test_no_secrets_folder_is_no_error(tmp_path):
    environ: dict[str, str] = {}
    read_secret_files({"APP_TITLE"}, environ, tmp_path / "missing")
    assert environ == {}
