"""Drive the real desktop app (`sportello.app.Desktop`) in-process, and a real server beside it."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pytestqt.qtbot import QtBot

from sportello.app import Desktop, Step
from sportello.app.alerts import AlertsAttachment
from sportello.desktop.child_command import child_env, sportello_command
from sportello.desktop.local_server import LocalServerConfig, LocalServerSupervisor
from sportello.ui.notifications.toast import ToastNotifier
from sportello.ui.preferences import Preferences

WAIT_MS = 60_000


def add_operator(db_url: str, name: str, password: str) -> None:
    """`sportello operator add NAME --password-stdin` against the server's database."""
    done = subprocess.run(
        sportello_command("operator", "add", name, "--password-stdin", "--db", db_url),
        input=password + "\n",
        capture_output=True,
        text=True,
        env=child_env(),
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def server_accepts(base_url: str, token: str, qtbot: QtBot) -> int:
    """The HTTP status a server answers to a REST call with `token` (200 or 401)."""
    import aiohttp

    async def ask() -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{base_url}/api/operators", headers={"Authorization": f"Bearer {token}"}
            ) as response,
        ):
            return response.status

    return run(qtbot, ask())


@contextmanager
def office_server(folder: Path, port: int, qtbot: QtBot) -> Iterator[LocalServerSupervisor]:
    """A Sportello server "somewhere in the office": a real `sportello server` child."""
    supervisor = LocalServerSupervisor(LocalServerConfig(folder, port=port), "office-secret-1")
    run(qtbot, supervisor.start())
    try:
        yield supervisor
    finally:
        run(qtbot, supervisor.stop())


def toast_notifier(app: AppUnderTest, qtbot: QtBot) -> ToastNotifier:
    """The console's notifier, made the in-app toast (offscreen there is no D-Bus daemon;
    the D-Bus path is covered by tests/desktop)."""
    attachment = app.desktop.findChild(AlertsAttachment)
    qtbot.waitUntil(
        lambda: attachment is not None and attachment.alerts is not None, timeout=WAIT_MS
    )
    assert attachment is not None and attachment.alerts is not None
    alerts = attachment.alerts
    if alerts.choice_task is not None:
        qtbot.waitUntil(alerts.choice_task.done, timeout=WAIT_MS)
    notifier = ToastNotifier(app.desktop.window)
    alerts.use_notifier(notifier)
    return notifier


def run(qtbot: QtBot, coroutine: object) -> object:
    """Run a coroutine on the qasync loop while Qt keeps processing events."""
    task = asyncio.ensure_future(coroutine)  # type: ignore[call-overload]
    qtbot.waitUntil(task.done, timeout=WAIT_MS * 2)
    return task.result()


class AppUnderTest:
    """The desktop app started on a step, as an asyncio task on the Qt loop."""

    def __init__(self, qapp: object, qtbot: QtBot, step: Step | None = None) -> None:
        self.qtbot = qtbot
        self.desktop = Desktop(qapp, Preferences())  # type: ignore[arg-type]
        first = step if step is not None else self.desktop.first_step()
        self.task = asyncio.ensure_future(self.desktop.run(first))

    def wait_dialog(self) -> object:
        self.qtbot.waitUntil(lambda: self.desktop.dialog is not None, timeout=WAIT_MS)
        return self.desktop.dialog

    def wait_console(self) -> object:
        from sportello.client.changes import ConnectionState

        def online() -> bool:
            client = self.desktop.client
            return client is not None and client.connection_state is ConnectionState.ONLINE

        self.qtbot.waitUntil(online, timeout=WAIT_MS)
        return self.desktop.window

    def quit(self) -> int:
        self.desktop.request_quit()
        self.qtbot.waitUntil(self.task.done, timeout=WAIT_MS)
        return self.task.result()
