"""pytest-qt setup for the console's widgets: offscreen Qt, an asyncio loop driven by Qt.

Widgets start client coroutines as asyncio tasks; the qasync loop below runs them while
qtbot waits, so tests use `qtbot.waitUntil` and never sleep.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from ui.fake_client import FakeClient


@pytest.fixture
def qt_loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """A qasync loop marked as running, so tasks advance whenever Qt processes events."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        for task in asyncio.all_tasks(loop):
            task.cancel()
        qapp.processEvents()
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


@pytest.fixture
def client(qt_loop: asyncio.AbstractEventLoop) -> FakeClient:
    return FakeClient()
