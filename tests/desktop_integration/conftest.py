"""Desktop integration tests: temp config/data dirs and a file keyring (the qasync loop
`qt_loop` is tests/support's).

Everything the product would write under the user's home goes to tmp_path: XDG dirs
(platformdirs), QSettings' INI path, and the keyring (a file backend set by the tests).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest

from tests.support.file_keyring import BACKEND, ENV_FILE, FileKeyring
from tests.support.paths import python_path


@dataclass
class Home:
    root: Path
    config: Path
    data: Path
    cache: Path
    keyring_file: Path

    @property
    def app_data(self) -> Path:
        return self.data / "Sportello"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Home]:
    """Temp XDG dirs and a file keyring, for this process and the children it starts."""
    h = Home(
        tmp_path,
        tmp_path / "config",
        tmp_path / "data",
        tmp_path / "cache",
        tmp_path / "keyring.json",
    )
    for d in (h.config, h.data, h.cache):
        d.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(h.config))
    monkeypatch.setenv("XDG_DATA_HOME", str(h.data))
    monkeypatch.setenv("XDG_CACHE_HOME", str(h.cache))
    monkeypatch.setenv(ENV_FILE, str(h.keyring_file))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", BACKEND)
    monkeypatch.setenv("PYTHONPATH", python_path())
    for name in list(os.environ):
        if name.startswith("SPORTELLO_") and name != ENV_FILE:
            monkeypatch.delenv(name)
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring(h.keyring_file))
    try:
        from PySide6.QtCore import QSettings

        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(h.config))
    except ImportError:
        pass
    try:
        yield h
    finally:
        keyring.set_keyring(previous)
