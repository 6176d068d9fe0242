"""Local-server mode in the real app: first-run choice, webhooks to the window, a taken port."""

from __future__ import annotations

import os
import socket

import aiohttp
import pytest
from app_driver import WAIT_MS, AppUnderTest, run
from local_harness import files_containing, free_port, post_webhook, wpp_message
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from sportello import credentials
from sportello.app import StartLocal
from sportello.domain.values import Priority
from sportello.local_operator import LOCAL_PROFILE
from sportello.local_server import LocalServerState
from sportello.ui.local_server_panel import LocalServerReadyDialog
from sportello.ui.login_dialog import LoginDialog
from sportello.ui.preferences import Preferences, ProfileKind

pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]


async def _post_all(base_url: str, secret: str, bodies: list[str]) -> list[int]:
    async with aiohttp.ClientSession() as http:
        return [
            await post_webhook(http, base_url, secret, wpp_message(n, body, phone="393401112233"))
            for n, body in enumerate(bodies)
        ]


def test_first_run_local_mode_shows_webhooks_in_the_window(home, qapp, qtbot, qt_loop):
    port = free_port()
    app = AppUnderTest(qapp, qtbot)
    dialog = app.wait_dialog()
    assert isinstance(dialog, LoginDialog)
    dialog.local_port.setValue(port)
    qtbot.mouseClick(dialog.local_button, Qt.MouseButton.LeftButton)
    window = app.wait_console()
    supervisor = app.desktop.supervisor
    assert supervisor is not None and supervisor.state is LocalServerState.RUNNING
    assert supervisor.webhook_url == f"http://127.0.0.1:{port}/webhooks/wppconnect"

    # The first time, the webhook address and secret are shown, with copy buttons.
    qtbot.waitUntil(lambda: window.findChild(LocalServerReadyDialog) is not None, timeout=WAIT_MS)
    details = window.findChild(LocalServerReadyDialog)
    assert details.panel.url_field.text() == supervisor.webhook_url
    qtbot.mouseClick(details.panel.copy_secret, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == supervisor.webhook_secret
    qtbot.mouseClick(details.panel.copy_url, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == supervisor.webhook_url
    details.accept()

    bodies = ["Buongiorno, ho una perdita d'acqua urgente in cucina", "Potete venire oggi?"]
    statuses = run(qtbot, _post_all(supervisor.base_url, supervisor.webhook_secret, bodies))
    assert statuses == [200, 200]

    model = window.conversations.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=WAIT_MS)
    conversation = model.conversation_at(0)
    assert conversation.phone.replace(" ", "") == "+393401112233"
    qtbot.waitUntil(
        lambda: model.conversation_at(0).ticket is not None
        and model.conversation_at(0).unread_count == 2,
        timeout=WAIT_MS,
    )
    assert model.conversation_at(0).ticket.priority is Priority.URGENT
    window.open_conversation(conversation.id)
    thread = window.thread_pane.model
    qtbot.waitUntil(lambda: thread.rowCount() >= 2, timeout=WAIT_MS)
    shown = [thread.message_at(row).body for row in range(thread.rowCount())]
    assert [b for b in shown if b in bodies] == bodies
    qtbot.waitUntil(lambda: window.ticket_pane.ticket is not None, timeout=WAIT_MS)
    assert window.ticket_pane.ticket.priority is Priority.URGENT

    # The choice is remembered; no secret was written to a file.
    prefs = Preferences()
    assert prefs.last_profile == LOCAL_PROFILE
    assert prefs.profile(LOCAL_PROFILE).kind is ProfileKind.LOCAL
    assert prefs.local_port == port
    for secret in (credentials.load_token(LOCAL_PROFILE), supervisor.webhook_secret):
        assert secret and files_containing([home.config, home.data, home.cache], secret) == []

    pid = supervisor.pid
    assert app.quit() == 0
    assert supervisor.state is LocalServerState.STOPPED
    assert pid is not None and _gone(pid)


def test_the_local_server_is_restarted_when_it_dies(home, qapp, qtbot, qt_loop):
    import signal

    app = AppUnderTest(qapp, qtbot, StartLocal(free_port()))
    window = app.wait_console()
    supervisor = app.desktop.supervisor
    supervisor.backoff_base = 0.1
    first = supervisor.pid
    os.kill(first, signal.SIGKILL)
    qtbot.waitUntil(
        lambda: supervisor.state is LocalServerState.RUNNING and supervisor.pid != first,
        timeout=WAIT_MS,
    )
    _gone(first)
    statuses = run(qtbot, _post_all(supervisor.base_url, supervisor.webhook_secret, ["ciao"]))
    assert statuses == [200]
    qtbot.waitUntil(lambda: window.conversations.model.rowCount() == 1, timeout=WAIT_MS)
    assert app.quit() == 0


def test_a_taken_port_is_refused_with_a_clear_message(home, qapp, qtbot, qt_loop):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        app = AppUnderTest(qapp, qtbot, StartLocal(port))
        dialog = app.wait_dialog()
    assert isinstance(dialog, LoginDialog)
    assert dialog.notice.isVisible()
    assert dialog.notice.text() == (
        f"Port {port} is already used by another program. Close that program or choose "
        "another port below."
    )
    assert dialog.local_port.value() == port
    assert app.desktop.supervisor is None
    assert app.quit() == 0


def _gone(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, 0)  # our child: reap it
    except ChildProcessError:
        done = pid
    return done == pid
