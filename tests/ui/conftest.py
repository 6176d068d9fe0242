"""pytest-qt setup for the console's widgets: offscreen Qt, an asyncio loop driven by Qt.

Widgets start client coroutines as asyncio tasks; the qasync loop `qt_loop` (tests/support)
runs them while qtbot waits, so tests use `qtbot.waitUntil` and never sleep.
"""

from __future__ import annotations

import asyncio
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.ui.fake_client import FakeClient


@pytest.fixture
def client(qt_loop: asyncio.AbstractEventLoop) -> FakeClient:
    return FakeClient()
