"""Where local-server mode keeps its files: the SQLite database, its logs, its own secrets."""

from __future__ import annotations

from pathlib import Path

APP_DIR_NAME = "Sportello"
LOCAL_SECRETS_FILE = "local-secrets.json"


def local_data_dir() -> Path:
    """The folder of the local server's database and logs (platformdirs' user data dir)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_DIR_NAME, appauthor=False))


def local_secrets_path() -> Path:
    """The file for local-mode secrets when no system keyring works: beside the database."""
    return local_data_dir() / LOCAL_SECRETS_FILE
