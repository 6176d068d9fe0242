"""Before anyone types: the composer says that replies cannot go out, why, and what to do.

The server's `deskState.canSend` reaches the real DeskAwareness of the fake client the way
it arrives on the wire; the window is the real one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sportello.client.changes import ConnectionState, ProtocolProfile
from sportello.ui.i18n import install_translators
from sportello.ui.main_window import MainWindow
from tests.ui.fake_client import FakeClient, incoming, stamp

NOT_LINKED = {
    "ok": False,
    "code": "line_not_linked",
    "message": "the WhatsApp session office is not linked to a phone",
}


@pytest.fixture
def window(client: FakeClient, qtbot: QtBot) -> Iterator[MainWindow]:
    client.state.set_profile(ProtocolProfile.FULL, ())
    message = incoming("rossi", "Buongiorno", stamp(1), name="Mario Rossi", phone="+39333")
    client.pages["rossi"] = [message]
    client.state.apply_message(message)
    win = MainWindow(client)
    qtbot.addWidget(win)
    win.show()
    win.conversations.select_conversation("rossi")
    qtbot.waitUntil(lambda: win.thread_pane.model.conversation_id == "rossi")
    yield win
    win.close()


def desk_state(client: FakeClient, qtbot: QtBot, can_send: dict[str, object] | None) -> None:
    """The server answers `deskState` (after a connection) with this `canSend`."""
    client.desk_state = {"ok": True, "settings": {}, "gateways": []}
    if can_send is not None:
        client.desk_state["canSend"] = can_send
    asked = len(client.called("desk_state"))
    client.state.set_connection(ConnectionState.ONLINE)
    qtbot.waitUntil(lambda: len(client.called("desk_state")) > asked)
    qtbot.waitUntil(lambda: client.awareness.can_send.ok is (can_send or {}).get("ok", True))
    client.state.set_connection(ConnectionState.CONNECTING)  # no more refreshes


def test_an_admin_reads_why_and_gets_connect_whatsapp(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    client.state.set_own_role("admin")
    composer = window.thread_pane.composer
    assert composer.blocked_reason is None

    desk_state(client, qtbot, NOT_LINKED)

    assert composer.blocked_reason == (
        "Replies cannot go out: the office phone is not linked to WhatsApp. Connect WhatsApp"
        " and scan the QR code with the office phone."
    )
    assert not composer.send_button.isEnabled() and composer.reason.isVisible()
    assert composer.connect_button.isVisible()
    with qtbot.waitSignal(window.connect_whatsapp_requested, timeout=1000):
        composer.connect_button.click()

    desk_state(client, qtbot, {"ok": True, "code": None, "message": ""})
    assert composer.blocked_reason is None and composer.send_button.isEnabled()
    assert not composer.connect_button.isVisible()


def test_an_operator_is_told_to_ask_an_administrator_in_italian(
    window: MainWindow, client: FakeClient, qtbot: QtBot, qapp: QApplication
) -> None:
    client.state.set_own_role("operator")
    install_translators(qapp, "it")
    try:
        it_window = MainWindow(client)  # widgets are built in the language of the moment
        qtbot.addWidget(it_window)
        it_window.show()
        it_window.conversations.select_conversation("rossi")
        qtbot.waitUntil(lambda: it_window.thread_pane.model.conversation_id == "rossi")

        desk_state(client, qtbot, {"ok": False, "code": "no_gateway", "message": "no sender"})

        composer = it_window.thread_pane.composer
        assert composer.blocked_reason == (
            "Le risposte non possono partire: questo server non ha ancora una linea WhatsApp"
            " collegata. Chiedi a un amministratore di collegare WhatsApp."
        )
        assert not composer.connect_button.isVisible()
        it_window.close()
    finally:
        install_translators(qapp, "en")


def test_a_server_that_does_not_say_leaves_the_composer_alone(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    desk_state(client, qtbot, None)
    assert window.thread_pane.composer.blocked_reason is None
