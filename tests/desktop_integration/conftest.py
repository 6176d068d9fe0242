"""Desktop integration tests: temp config/data dirs, a file keyring, a qasync loop.

Everything the product would write under the user's home goes to tmp_path: XDG dirs
(platformdirs), QSettings' INI path, and the keyring (a file backend set by the tests).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from file_keyring import ENV_FILE, FileKeyring  # noqa: E402


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
    h = Home(tmp_path, tmp_path / "config", tmp_path / "data", tmp_path / "cache",
             tmp_path / "keyring.json")  # fmt: skip
    for d in (h.config, h.data, h.cache):
        d.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(h.config))
    monkeypatch.setenv("XDG_DATA_HOME", str(h.data))
    monkeypatch.setenv("XDG_CACHE_HOME", str(h.cache))
    monkeypatch.setenv(ENV_FILE, str(h.keyring_file))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "file_keyring.FileKeyring")
    paths = [
        str(HERE),
        str(REPO / "src"),
        *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep)),
    ]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
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


@pytest.fixture
def qt_loop(qapp: object) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop marked as running, so tasks advance whenever Qt processes events."""
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        qapp.processEvents()  # type: ignore[attr-defined]
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
