"""A keyring backend writing a JSON file in a temp dir: configured by the tests, never the product.

Child processes pick it with PYTHON_KEYRING_BACKEND=tests.support.file_keyring.FileKeyring
and SPORTELLO_TEST_KEYRING_FILE=<path>, the repo root on PYTHONPATH (tests/support/paths.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

ENV_FILE = "SPORTELLO_TEST_KEYRING_FILE"
BACKEND = "tests.support.file_keyring.FileKeyring"


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, path: Path | str | None = None) -> None:
        super().__init__()
        where = path or os.environ.get(ENV_FILE)
        if not where:
            # keyring builds every backend class it knows without arguments when it looks
            # for one, and skips those that raise TypeError: in a test process that
            # imported this module, the search must skip it, not fail.
            raise TypeError(f"FileKeyring needs a path or {ENV_FILE}")
        self.path = Path(where)

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return dict(data)

    def _write(self, data: dict[str, str]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(self.path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data[f"{service}\0{username}"] = password
        self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        if data.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError(username)
        self._write(data)
