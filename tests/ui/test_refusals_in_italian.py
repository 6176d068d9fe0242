"""A real server refusing things, shown to an Italian operator: only Italian in the widgets.

The server's English detail (`error.message`, an ack's `error`) must not reach a sentence
the operator reads; it goes to the log, where the tests find it (caplog).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sportello.client.api import SportelloClient
from sportello.client.changes import ConnectionState
from sportello.client.connection import Backoff
from sportello.client.records import Message, ServerProfile
from sportello.domain.values import DeliveryStatus
from sportello.ui.i18n import install_translators
from sportello.ui.login_dialog import LoginDialog
from sportello.ui.main_window import MainWindow
from sportello.ui.preferences import Preferences
from sportello.ui.tasks import TaskRunner
from tests.support.sportello_server import (
    Operator,
    RestartableServer,
    create_operator,
    server_module_missing,
)

pytestmark = pytest.mark.slow
FAST = Backoff(base=0.1, factor=2.0, cap=0.8, jitter=0.3)
WAIT_MS = 20_000
Console = tuple[MainWindow, SportelloClient]


@pytest.fixture
def italian(qapp: QApplication) -> Iterator[None]:
    install_translators(qapp, "it")
    try:
        yield
    finally:
        install_translators(qapp, "en")


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[RestartableServer, Operator]]:
    if server_module_missing():
        pytest.skip("no server")
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    giulia = create_operator(db_url, "giulia")
    # One failed login is enough to be throttled: the second attempt gets 429.
    running = RestartableServer(db_url, ["--login-attempts", "1"])
    running.start()
    try:
        yield running, giulia
    finally:
        running.kill()


@pytest.fixture
def console(
    qt_loop: object, qtbot: QtBot, tmp_path: Path, desk: tuple[RestartableServer, Operator]
) -> Iterator[Console]:
    server, giulia = desk
    profile = ServerProfile(server.url, giulia.token, giulia.id, giulia.name)
    client = SportelloClient(profile, tmp_path / "giulia.db", backoff=FAST, sync_timeout=3.0)
    runner = TaskRunner()
    window = MainWindow(client, runner)
    qtbot.addWidget(window)
    started = runner.run(client.start())
    qtbot.waitUntil(started.done, timeout=WAIT_MS)
    window.show()
    qtbot.waitUntil(lambda: client.connection_state is ConnectionState.ONLINE, timeout=WAIT_MS)
    yield window, client
    window.close()
    stopped = runner.run(client.stop())
    qtbot.waitUntil(stopped.done, timeout=WAIT_MS)


def _logged(caplog: pytest.LogCaptureFixture, fragment: str) -> bool:
    return any(fragment in record.getMessage() for record in caplog.records)


def test_a_refused_sign_in_is_said_in_italian_and_its_detail_is_logged(
    italian: None,
    qt_loop: object,
    qtbot: QtBot,
    tmp_path: Path,
    desk: tuple[RestartableServer, Operator],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    server, _ = desk
    settings = QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat)
    dialog = LoginDialog(Preferences(settings))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.url.setText(server.url)
    dialog.username.setText("giulia")
    dialog.password.setText("sbagliata")
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=WAIT_MS)
    assert dialog.error.text() == "Nome utente o password errati."

    qtbot.waitUntil(dialog.connect_button.isEnabled, timeout=WAIT_MS)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "troppi" in dialog.error.text(), timeout=WAIT_MS)
    assert dialog.error.text() == (
        "Il server ha rifiutato l'accesso: troppi accessi non riusciti: attendi un minuto, "
        "poi riprova."
    )
    assert _logged(caplog, "too many failed logins")  # the server's own words, in the log


def test_a_reply_the_server_refuses_shows_why_in_italian_in_the_thread(
    italian: None,
    console: Console,
    desk: tuple[RestartableServer, Operator],
    qtbot: QtBot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    window, _client = console
    server, _ = desk
    server.customer_writes_wpp("Buongiorno, una domanda sulla fattura")
    qtbot.waitUntil(lambda: window.conversations.model.rowCount() == 1, timeout=WAIT_MS)
    conversation = window.conversations.model.conversation_at(0)
    window.conversations.select_conversation(conversation.id)
    qtbot.waitUntil(lambda: window.thread_pane.model.rowCount() >= 1, timeout=WAIT_MS)

    too_long = "a" * 5000  # the server takes at most 4096 characters
    window.send(too_long)

    def failed() -> Message | None:
        model = window.thread_pane.model
        for row in range(model.rowCount()):
            message = model.message_at(row)
            if message is not None and message.body == too_long:
                return message if message.status is DeliveryStatus.FAILED else None
        return None

    qtbot.waitUntil(lambda: failed() is not None, timeout=WAIT_MS)
    message = failed()
    assert message is not None
    delegate = window.thread_pane.view.itemDelegate()
    assert delegate._error_text(message) == (
        "Non inviato: il messaggio è troppo lungo (al massimo 4096 caratteri). "
        "Premi Ctrl+R o fai clic destro per riprovare."
    )
    assert _logged(caplog, "body longer than 4096 characters")


def test_refused_ticket_changes_are_said_in_italian_and_their_detail_is_logged(
    italian: None,
    console: Console,
    desk: tuple[RestartableServer, Operator],
    qtbot: QtBot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    window, client = console
    server, _ = desk
    server.customer_writes_wpp("Urgente: perdita d'acqua dal soffitto, aiuto")
    qtbot.waitUntil(lambda: bool(client.state.tickets), timeout=WAIT_MS)
    conversation = window.conversations.model.conversation_at(0)
    window.conversations.select_conversation(conversation.id)
    qtbot.waitUntil(lambda: window.ticket_pane.ticket is not None, timeout=WAIT_MS)
    ticket = window.ticket_pane.ticket
    assert ticket is not None

    # An assignee the server does not know (deleted meanwhile, say): refused.
    window.tickets.update_ticket(ticket.id, "assignee_id", "999999")
    pane = window.ticket_pane
    qtbot.waitUntil(lambda: pane.error.isVisible(), timeout=WAIT_MS)
    assert pane.error.text() == (
        "Il ticket non è stato modificato: quell'operatore non esiste sul server."
    )
    assert _logged(caplog, "no operator with id 999999")

    # A second open ticket for the same contact: refused too.
    customer = next(m for m in client.state.thread if m.direction == "incoming")
    window.tickets.create_ticket(customer)
    qtbot.waitUntil(lambda: "Nessun ticket" in pane.error.text(), timeout=WAIT_MS)
    assert pane.error.text() == (
        "Nessun ticket è stato creato: questo contatto ha già un ticket aperto."
    )
    assert _logged(caplog, "already has open ticket")
