"""Where the desktop app keeps its files: one client cache per profile; for local-server
mode, the SQLite database, its logs and its own secrets."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sportello.system.private_files import make_private_dir

APP_DIR_NAME = "Sportello"
LOCAL_SECRETS_FILE = "local-secrets.json"


def local_data_dir() -> Path:
    """The folder of the local server's database and logs (platformdirs' user data dir)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_DIR_NAME, appauthor=False))


def local_secrets_path() -> Path:
    """The file for local-mode secrets when no system keyring works: beside the database."""
    return local_data_dir() / LOCAL_SECRETS_FILE


def cache_path_for(url: str, user_id: str) -> Path:
    """One cache file per server and operator, in the user's cache directory (made private)."""
    from platformdirs import user_cache_dir

    key = hashlib.sha256(f"{url}|{user_id}".encode()).hexdigest()[:16]
    folder = make_private_dir(Path(user_cache_dir("sportello", appauthor=False)))
    return folder / f"cache-{key}.sqlite3"
