"""The desktop session (Xvfb, D-Bus, dunst, trayer, PulseAudio null sink), a real server
on loopback, and the console with desktop alerts as a child process on that desktop.

Skips with the reason when a desktop binary is missing, unless SPORTELLO_REQUIRE_DESKTOP=1
(CI): then it fails, so CI cannot pass by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.desktop.bus_monitor import NotifyMonitor
from tests.desktop.desktop_session import DesktopSession, missing_binaries
from tests.support.sportello_server import (
    Operator,
    RestartableServer,
    create_operator,
    server_module_missing,
)


def require_desktop() -> None:
    missing = missing_binaries()
    if not missing:
        return
    reason = f"desktop binaries missing: {', '.join(missing)} (apt: xvfb dbus dunst trayer)"
    if os.environ.get("SPORTELLO_REQUIRE_DESKTOP") == "1":
        pytest.fail(f"{reason} (and SPORTELLO_REQUIRE_DESKTOP=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DesktopSession]:
    require_desktop()
    session = DesktopSession(tmp_path_factory.mktemp("desktop"))
    try:
        session.start()
        yield session
    finally:
        session.stop()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RestartableServer, Operator]]:
    if server_module_missing():
        pytest.skip("sportello.server is not importable")
    db_url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'sportello.db'}"
    operator = create_operator(db_url, "giulia")
    running = RestartableServer(db_url)
    running.start()
    try:
        yield running, operator
    finally:
        running.stop()


@pytest.fixture
def monitor(desktop: DesktopSession) -> Iterator[NotifyMonitor]:
    watcher = NotifyMonitor(desktop.bus_address)
    try:
        yield watcher
    finally:
        watcher.close()
