"""Local-server mode in the real app: first-run choice, webhooks to the window, a taken port."""

from __future__ import annotations

import contextlib
import os
import socket

import aiohttp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from sportello.app import StartLocal
from sportello.app.alerts import AlertsAttachment, attach_desktop_alerts
from sportello.desktop import credentials
from sportello.desktop.local_operator import LOCAL_PROFILE
from sportello.desktop.local_server import LocalServerState
from sportello.domain.values import Priority
from sportello.ui.alert_texts import LOCAL_SERVER_KEY
from sportello.ui.local_server_panel import LocalServerReadyDialog
from sportello.ui.login_dialog import LoginDialog
from sportello.ui.preferences import Preferences, ProfileKind
from tests.desktop_integration.app_driver import WAIT_MS, AppUnderTest, run, toast_notifier
from tests.desktop_integration.local_harness import files_containing, post_webhook
from tests.support.payloads import numbered_wpp_message
from tests.support.ports import free_port

pytestmark = [pytest.mark.timeout(240), pytest.mark.slow]


async def _post_all(base_url: str, secret: str, bodies: list[str]) -> list[int]:
    async with aiohttp.ClientSession() as http:
        return [
            await post_webhook(
                http, base_url, secret, numbered_wpp_message(n, body, phone="393401112233")
            )
            for n, body in enumerate(bodies)
        ]


def test_first_run_local_mode_shows_webhooks_in_the_window(home, qapp, qtbot, qt_loop):
    port = free_port()
    app = AppUnderTest(qapp, qtbot)
    dialog = app.wait_dialog()
    assert isinstance(dialog, LoginDialog)
    dialog.local_port.setValue(port)
    qtbot.mouseClick(dialog.local_button, Qt.MouseButton.LeftButton)
    # It asks for the WhatsApp gateway first; "Later" starts the server without one.
    qtbot.waitUntil(lambda: app.desktop.local._gateway_dialog is not None, timeout=WAIT_MS)
    gateway = app.desktop.local._gateway_dialog
    qtbot.mouseClick(gateway.later_button, Qt.MouseButton.LeftButton)
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
        lambda: (
            model.conversation_at(0).ticket is not None
            and model.conversation_at(0).unread_count == 2
        ),
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


def test_a_server_that_stays_down_shows_a_red_bar_a_notification_and_restarts(
    home, qapp, qtbot, qt_loop
):
    """The server dies and another program takes its port: the restarts fail, the app
    says so in a red bar and a notification, and "Restart the server" (bar, Server menu,
    tray) brings it back once the port is free."""
    import signal

    port = free_port()
    app = AppUnderTest(qapp, qtbot, StartLocal(port))
    attach_desktop_alerts(app.desktop)
    window = app.wait_console()
    toast = toast_notifier(app, qtbot)
    shown: list[str] = []
    toast.shown.connect(shown.append)
    tray = app.desktop.findChild(AlertsAttachment).alerts.tray
    menus, bar = app.desktop.menus, app.desktop.server_bar
    supervisor = app.desktop.supervisor
    supervisor.backoff_base, supervisor.backoff_max, supervisor.max_restarts = 0.05, 0.2, 2
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)

    def take_the_port(state: LocalServerState, _detail: str) -> None:
        if state is LocalServerState.RESTARTING and squatter.fileno() >= 0:
            with contextlib.suppress(OSError):  # taken already, at the first restart
                squatter.bind(("127.0.0.1", port))
                squatter.listen()

    supervisor.subscribe(take_the_port)
    assert bar is not None and not bar.isVisible()
    restarts = (menus.restart_server_action, tray.restart_server_action)
    assert not any(action.isVisible() for action in restarts)
    try:
        os.kill(supervisor.pid, signal.SIGKILL)
        qtbot.waitUntil(bar.isVisible, timeout=WAIT_MS)
        assert supervisor.state is LocalServerState.DOWN
        down = (
            f"The local server is down: port {port} is used by another program. Close that "
            "program, then restart the server."
        )
        assert bar.text.text() == down and bar.restart_button.isEnabled()
        assert bar.restart_button.text() == "Restart the server"
        assert all(action.isVisible() for action in restarts)
        assert tray.server_status == "Local server: down"
        qtbot.waitUntil(toast.toast.isVisible, timeout=WAIT_MS)
        assert toast.toast.title.text() == "The local server is down"
        assert toast.toast.body.text() == down

        # Restart from the Server menu, then the tray, while the port is still taken: it
        # stays down, saying why; the notification is not repeated for the same outage.
        for action in restarts:
            action.trigger()
            assert not bar.restart_button.isEnabled()  # starting: no second click meanwhile
            qtbot.waitUntil(bar.restart_button.isEnabled, timeout=WAIT_MS)
            assert supervisor.state is LocalServerState.DOWN and bar.text.text() == down
        assert shown == [LOCAL_SERVER_KEY]
    finally:
        squatter.close()

    # The port is free: the bar's button brings the server back and the bar goes.
    qtbot.mouseClick(bar.restart_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: supervisor.state is LocalServerState.RUNNING, timeout=WAIT_MS)
    assert not bar.isVisible() and not toast.toast.isVisible()
    assert not any(action.isVisible() for action in restarts)
    statuses = run(qtbot, _post_all(supervisor.base_url, supervisor.webhook_secret, ["ciao"]))
    assert statuses == [200]
    qtbot.waitUntil(lambda: window.conversations.model.rowCount() == 1, timeout=WAIT_MS)

    pid = supervisor.pid
    assert app.quit() == 0
    assert pid is not None and _gone(pid)


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
