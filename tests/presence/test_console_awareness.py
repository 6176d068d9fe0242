"""Issue 8 in the real window: two real consoles on a real `sportello server` process."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sportello.client.api import SportelloClient
from sportello.client.changes import ConnectionState
from sportello.client.connection import Backoff
from sportello.client.records import ServerProfile
from sportello.domain.escalation import EscalationSettings
from sportello.domain.values import DeliveryStatus, Priority
from sportello.ui.conversation_model import ConversationRole, presence_chip
from sportello.ui.escalation import EscalationController
from sportello.ui.main_window import MainWindow
from sportello.ui.tasks import TaskRunner
from tests.fakes.fake_gateway import FakeGateway, sign_meta
from tests.support.sportello_server import (
    Operator,
    RestartableServer,
    create_operator,
    server_module_missing,
)

FAST = Backoff(base=0.1, factor=2.0, cap=0.8, jitter=0.3)
WAIT_MS = 20_000
META_SECRET = "meta-secret"


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[RestartableServer, list[Operator]]]:
    if server_module_missing():
        pytest.skip("no server")
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    operators = [create_operator(db_url, "giulia"), create_operator(db_url, "marco")]
    # Both gateways can send (a server with none refuses every reply at once, no_gateway,
    # and the composer would say only that): what is refused here is the desk's own rules.
    with FakeGateway.start_in_thread() as gateway:
        running = RestartableServer(
            db_url,
            [
                "--assignee-only-replies",
                "--meta-app-secret",
                META_SECRET,
                "--wppconnect-url",
                gateway.wpp_base_url,
                "--wppconnect-session",
                gateway.session,
                "--wppconnect-token",
                gateway.wpp_token,
                "--meta-phone-number-id",
                gateway.phone_number_id,
                "--meta-access-token",
                gateway.meta_token,
                "--meta-graph-url",
                gateway.meta_base_url,
            ],
        )
        running.start()
        try:
            yield running, operators
        finally:
            running.kill()


class Consoles:
    def __init__(self, qtbot: QtBot, tmp_path: Path, server: RestartableServer) -> None:
        self.qtbot, self.tmp_path, self.server = qtbot, tmp_path, server
        self.made: list[tuple[MainWindow, SportelloClient, TaskRunner]] = []

    def open(self, operator: Operator) -> tuple[MainWindow, SportelloClient]:
        profile = ServerProfile(self.server.url, operator.token, operator.id, operator.name)
        client = SportelloClient(
            profile, self.tmp_path / f"{operator.name}.db", backoff=FAST, sync_timeout=3.0
        )
        runner = TaskRunner()
        window = MainWindow(client, runner)
        started = runner.run(client.start())
        self.qtbot.waitUntil(started.done, timeout=WAIT_MS)
        window.show()
        self.qtbot.waitUntil(
            lambda: client.state.connection_state is ConnectionState.ONLINE, timeout=WAIT_MS
        )
        self.made.append((window, client, runner))
        return window, client

    def close(self) -> None:
        for window, client, runner in self.made:
            window.close()
            stopped = runner.run(client.stop())
            self.qtbot.waitUntil(stopped.done, timeout=WAIT_MS)


@pytest.fixture
def consoles(
    qt_loop: object, qtbot: QtBot, tmp_path: Path, desk: tuple[RestartableServer, list[Operator]]
) -> Iterator[Consoles]:
    made = Consoles(qtbot, tmp_path, desk[0])
    yield made
    made.close()


def open_conversation(window: MainWindow, qtbot: QtBot, conversation_id: str) -> None:
    window.conversations.select_conversation(conversation_id)
    qtbot.waitUntil(lambda: window.thread_pane.model.rowCount() >= 1, timeout=WAIT_MS)


def first_conversation(client: SportelloClient, qtbot: QtBot) -> str:
    qtbot.waitUntil(lambda: len(client.state.conversations) >= 1, timeout=WAIT_MS)
    return client.state.conversations[0].id


def test_b_sees_a_in_the_conversation_and_is_warned_before_a_second_reply(
    consoles: Consoles, desk: tuple[RestartableServer, list[Operator]], qtbot: QtBot
) -> None:
    server, (giulia, marco) = desk
    server.customer_writes_wpp("Buongiorno, una domanda sulla fattura")
    a_window, a_client = consoles.open(giulia)
    b_window, b_client = consoles.open(marco)
    conversation = first_conversation(a_client, qtbot)
    first_conversation(b_client, qtbot)
    open_conversation(b_window, qtbot, conversation)
    open_conversation(a_window, qtbot, conversation)

    view = b_window.awareness_view
    assert view is not None
    qtbot.waitUntil(lambda: "giulia" in view.presence_label.text().lower(), timeout=WAIT_MS)
    assert view.presence_label.isVisible()

    a_window.thread_pane.composer.edit.setFocus()
    qtbot.keyClicks(a_window.thread_pane.composer.edit, "Le scrivo subito")
    qtbot.waitUntil(lambda: view.collision.isVisible(), timeout=WAIT_MS)
    assert "giulia" in view.collision.text().lower()

    edit = b_window.thread_pane.composer.edit
    edit.setFocus()
    qtbot.keyClicks(edit, "Arrivo io")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    # The first Enter only warns: nothing went out, the text is still there.
    assert b_window.thread_pane.composer.text() == "Arrivo io"
    assert "Enter again" in view.collision.text()
    assert not [m for m in b_client.state.thread if m.body == "Arrivo io"]
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: any(m.body == "Arrivo io" for m in b_client.state.thread), timeout=WAIT_MS
    )


def test_bs_conversation_list_shows_who_is_in_each_conversation_until_they_leave(
    consoles: Consoles, desk: tuple[RestartableServer, list[Operator]], qtbot: QtBot
) -> None:
    server, (giulia, marco) = desk
    server.customer_writes_wpp("Prima domanda", phone="393331110001", name="Anna Bianchi")
    server.customer_writes_wpp("Seconda domanda", phone="393331110002", name="Luca Verdi")
    a_window, a_client = consoles.open(giulia)
    b_window, b_client = consoles.open(marco)
    qtbot.waitUntil(lambda: len(a_client.state.conversations) == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(b_client.state.conversations) == 2, timeout=WAIT_MS)
    anna, luca = (
        next(c.id for c in a_client.state.conversations if c.title == title)
        for title in ("Anna Bianchi", "Luca Verdi")
    )
    b_list = b_window.conversations.model

    def presence(conversation_id: str) -> object:
        row = b_list.row_of(conversation_id)
        return None if row is None else b_list.index(row, 0).data(ConversationRole.PRESENCE)

    def spoken(conversation_id: str) -> str:
        row = b_list.row_of(conversation_id)
        assert row is not None
        return str(b_list.index(row, 0).data(Qt.ItemDataRole.AccessibleTextRole))

    open_conversation(a_window, qtbot, anna)
    she = giulia.name  # her display name on this server
    qtbot.waitUntil(lambda: presence(anna) == ((she,), ()), timeout=WAIT_MS)
    assert spoken(anna).endswith(f"{she} viewing") and presence(luca) is None

    a_window.thread_pane.composer.edit.setFocus()
    qtbot.keyClicks(a_window.thread_pane.composer.edit, "Un attimo")
    qtbot.waitUntil(lambda: presence(anna) == ((she,), (she,)), timeout=WAIT_MS)
    assert spoken(anna).endswith(f"{she} writing a reply")
    assert presence_chip(*presence(anna)) == (she, "")  # type: ignore[misc]

    # Giulia moves on to the other customer: Anna's row clears, Luca's shows her.
    a_window.conversations.select_conversation(luca)
    qtbot.waitUntil(lambda: presence(anna) is None and presence(luca) is not None, timeout=WAIT_MS)
    assert she not in spoken(anna)
    # Marco does not see himself, and Giulia's console closing clears Luca's row too.
    open_conversation(b_window, qtbot, luca)
    assert presence(luca) == ((she,), ())
    a_window.close()
    stopped = TaskRunner().run(a_client.stop())
    qtbot.waitUntil(stopped.done, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: presence(luca) is None, timeout=WAIT_MS)


def test_assignee_only_mode_refuses_bs_reply_with_a_clear_error(
    consoles: Consoles, desk: tuple[RestartableServer, list[Operator]], qtbot: QtBot
) -> None:
    server, (giulia, marco) = desk
    server.customer_writes_wpp("Urgente: perdita d'acqua dal soffitto")
    _a_window, a_client = consoles.open(giulia)
    b_window, b_client = consoles.open(marco)
    conversation = first_conversation(b_client, qtbot)
    qtbot.waitUntil(lambda: bool(a_client.state.tickets), timeout=WAIT_MS)
    ticket = next(iter(a_client.state.tickets.values()))
    done = TaskRunner().run(a_client.update_ticket(ticket.id, assignee_id=giulia.id))
    qtbot.waitUntil(done.done, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: b_client.awareness.assignee_only_replies, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: (b_client.state.tickets.get(ticket.id) or ticket).assignee_id == giulia.id,
        timeout=WAIT_MS,
    )
    open_conversation(b_window, qtbot, conversation)
    reason = b_window.thread_pane.composer.blocked_reason
    assert reason is not None and "assignee" in reason

    # A console that sends anyway (an older one, or a race) gets the server's refusal.
    sent = TaskRunner().run(b_client.send_message(conversation, "Ci penso io"))
    qtbot.waitUntil(sent.done, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: any(
            m.body == "Ci penso io" and m.status is DeliveryStatus.FAILED
            for m in b_client.state.thread
        ),
        timeout=WAIT_MS,
    )
    failed = next(m for m in b_client.state.thread if m.body == "Ci penso io")
    assert failed.error == "not_assignee"  # the server's code; its detail is in the log


def test_cloud_api_conversation_25_hours_old_refuses_free_form_in_ack_and_ui(
    consoles: Consoles, desk: tuple[RestartableServer, list[Operator]], qtbot: QtBot
) -> None:
    server, (giulia, _) = desk
    body = FakeGateway().meta_message(
        "393401112222", "Salve, avete novità?", timestamp=int(time.time()) - 25 * 3600
    )
    raw = json.dumps(body).encode()
    request = urllib.request.Request(
        f"{server.url}/webhooks/meta",
        data=raw,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign_meta(raw, META_SECRET),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    window, client = consoles.open(giulia)
    conversation = first_conversation(client, qtbot)
    open_conversation(window, qtbot, conversation)
    view = window.awareness_view
    assert view is not None
    qtbot.waitUntil(lambda: view.window_label.isVisible(), timeout=WAIT_MS)
    assert "closed" in view.window_label.text()
    qtbot.waitUntil(lambda: window.thread_pane.composer.blocked_reason is not None, timeout=WAIT_MS)
    reason = window.thread_pane.composer.blocked_reason or ""
    assert "24-hour" in reason and "Templates are not available" in reason

    sent = TaskRunner().run(client.send_message(conversation, "Eccoci"))
    qtbot.waitUntil(sent.done, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: any(
            m.body == "Eccoci" and m.status is DeliveryStatus.FAILED for m in client.state.thread
        ),
        timeout=WAIT_MS,
    )
    failed = next(m for m in client.state.thread if m.body == "Eccoci")
    assert failed.error == "window_closed"


def test_disconnected_wppconnect_session_turns_the_status_bar_to_gateway_down(
    consoles: Consoles, desk: tuple[RestartableServer, list[Operator]], qtbot: QtBot
) -> None:
    server, (giulia, _) = desk
    window, _client = consoles.open(giulia)
    view = window.awareness_view
    assert view is not None and not view.gateway_label.isVisible()
    server.post(
        "/webhooks/wppconnect",
        {"event": "onstatechange", "session": "sportello", "state": "DISCONNECTED"},
    )
    qtbot.waitUntil(lambda: view.gateway_label.isVisible(), timeout=WAIT_MS)
    assert "disconnected" in view.gateway_label.text()
    server.post(
        "/webhooks/wppconnect", {"event": "status-find", "session": "sportello", "status": "inChat"}
    )
    qtbot.waitUntil(lambda: not view.gateway_label.isVisible(), timeout=WAIT_MS)


def test_unknown_type_between_two_normal_messages_is_shown_in_order(
    consoles: Consoles, desk: tuple[RestartableServer, list[Operator]], qtbot: QtBot
) -> None:
    server, (giulia, _) = desk
    now = int(time.time())
    server.customer_writes_wpp("Prima", t=now - 3)
    jid = "393331234567@c.us"
    server.post(
        "/webhooks/wppconnect",
        {
            "event": "onmessage",
            "session": "sportello",
            "id": f"false_{jid}_POLL1",
            "type": "poll_creation",
            "t": now - 2,
            "from": jid,
            "to": "390612345678@c.us",
            "fromMe": False,
            "isGroupMsg": False,
            "pollName": "Quando passate?",
        },
    )
    server.customer_writes_wpp("Terza", t=now - 1)
    window, client = consoles.open(giulia)
    conversation = first_conversation(client, qtbot)
    open_conversation(window, qtbot, conversation)
    qtbot.waitUntil(lambda: len(client.state.thread) == 3, timeout=WAIT_MS)
    kinds = [(m.body, str(m.type)) for m in client.state.thread]
    assert kinds == [("Prima", "text"), ("", "poll_creation"), ("Terza", "text")]

    # Shown, in order, in the real thread view: three painted rows top to bottom, the
    # middle one saying what it is instead of an empty bubble.
    pane = window.thread_pane
    shown = [pane.model.index(row, 0).data(Qt.ItemDataRole.DisplayRole) for row in range(3)]
    assert shown[0].endswith(": Prima") and shown[2].endswith(": Terza")
    assert shown[1].endswith(": Unsupported message (poll_creation)")
    rects = [pane.view.visualRect(pane.model.index(row, 0)) for row in range(3)]
    assert all(r.height() > 0 for r in rects)
    assert rects[0].bottom() < rects[1].top() and rects[1].bottom() < rects[2].top()
    delegate = pane.view.itemDelegate()
    layout = delegate.bubble_layout(client.state.thread[1])  # type: ignore[attr-defined]
    assert layout.note_h > 0 and layout.text_h == 0

    # The same words in the conversation list when such a message is the last one.
    server.post(
        "/webhooks/wppconnect",
        {
            "event": "onmessage",
            "session": "sportello",
            "id": f"false_{jid}_POLL2",
            "type": "poll_creation",
            "t": now,
            "from": jid,
            "to": "390612345678@c.us",
            "fromMe": False,
            "isGroupMsg": False,
            "pollName": "E domani?",
        },
    )
    qtbot.waitUntil(lambda: len(client.state.thread) == 4, timeout=WAIT_MS)
    row = window.conversations.model.index(0, 0)
    assert row.data(Qt.ItemDataRole.AccessibleTextRole).endswith(
        "Unsupported message (poll_creation)"
    )


def test_unopened_urgent_ticket_renotifies_until_anyone_opens_it_on_every_console(
    consoles: Consoles, desk: tuple[RestartableServer, list[Operator]], qtbot: QtBot
) -> None:
    server, (giulia, marco) = desk
    a_window, a_client = consoles.open(giulia)
    _b_window, b_client = consoles.open(marco)
    fast = EscalationSettings(intervals={Priority.URGENT: 0.3})
    reminders: dict[str, list[object]] = {"a": [], "b": []}
    controllers = {}
    for key, client in (("a", a_client), ("b", b_client)):
        controller = EscalationController(client.state, client.awareness, fast)
        controller.reminded.connect(reminders[key].append)
        controllers[key] = controller
    server.customer_writes_wpp("URGENTE allagamento in cantina")
    qtbot.waitUntil(lambda: len(reminders["a"]) >= 2 and len(reminders["b"]) >= 2, timeout=WAIT_MS)
    assert (
        "waiting to be opened" in controllers["b"].summary_text()
        or "ticket" in controllers["b"].summary_text()
    )

    conversation = first_conversation(a_client, qtbot)
    open_conversation(a_window, qtbot, conversation)
    qtbot.waitUntil(
        lambda: not controllers["a"].plan.waiting and not controllers["b"].plan.waiting,
        timeout=WAIT_MS,
    )
    counts = {key: len(items) for key, items in reminders.items()}
    qtbot.wait(900)  # three intervals: nothing more may ring, on either console
    assert {key: len(items) for key, items in reminders.items()} == counts
    assert controllers["b"].summary_text() == ""
    for controller in controllers.values():
        controller.detach()


def test_the_list_names_a_message_by_its_type_never_by_its_text(
    consoles: Consoles, desk: tuple[RestartableServer, list[Operator]], qtbot: QtBot
) -> None:
    server, (giulia, _) = desk
    # Two before the console starts (through the snapshot), two while it runs (live).
    server.customer_writes("[ok]", phone="+393331110001", name="Rita Quadre")
    server.post(
        "/webhooks/generic",
        {
            "id": "gw-photo-1",
            "from": "+393331110002",
            "body": "",
            "type": "image",
            "senderName": "Pino Foto",
        },
    )
    window, _client = consoles.open(giulia)
    jid = "393331110003@c.us"
    server.post(
        "/webhooks/wppconnect",
        {
            "event": "onmessage",
            "session": "sportello",
            "id": f"false_{jid}_POLL9",
            "type": "poll_creation",
            "t": int(time.time()),
            "from": jid,
            "to": "390612345678@c.us",
            "fromMe": False,
            "isGroupMsg": False,
            "pollName": "Orari?",
        },
    )
    server.customer_writes("[image]", phone="+393331110004", name="Ugo Finto")

    model = window.conversations.model

    def rows() -> dict[str, str]:
        """Each row's phone (last four digits) -> what the row says, as a reader hears it."""
        out = {}
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            conv = index.data(ConversationRole.CONVERSATION)
            out[(conv.phone or "")[-4:]] = index.data(Qt.ItemDataRole.AccessibleTextRole)
        return out

    qtbot.waitUntil(lambda: {"0001", "0002", "0003", "0004"} <= set(rows()), timeout=WAIT_MS)
    shown = rows()
    assert shown["0001"].endswith(", [ok]")
    assert shown["0002"].endswith(", Photo")
    assert shown["0003"].endswith(", Unsupported message (poll_creation)")
    assert shown["0004"].endswith(", [image]")  # typed by the customer: not a photo


def test_the_console_hides_what_an_operators_role_may_not_do(
    consoles: Consoles,
    desk: tuple[RestartableServer, list[Operator]],
    qtbot: QtBot,
    tmp_path: Path,
) -> None:
    """Roles (issue 11): the console learns its role from the server and offers only what
    the server would accept; the admin of the same desk is offered everything."""
    from PySide6.QtCore import QSettings

    from sportello.app import OpenConsole, console_role
    from sportello.domain.permissions import DeskAction, allowed
    from sportello.ui.preferences import Preferences
    from sportello.ui.settings_dialog import SettingsDialog

    server, (giulia, marco) = desk
    anna = create_operator(server.db_url, "anna", "admin")
    server.customer_writes_wpp("Urgente: perdita d'acqua dal soffitto")
    _g_window, g_client = consoles.open(giulia)
    m_window, m_client = consoles.open(marco)
    a_window, a_client = consoles.open(anna)
    qtbot.waitUntil(lambda: bool(g_client.state.tickets), timeout=WAIT_MS)
    ticket = next(iter(g_client.state.tickets.values()))
    done = TaskRunner().run(g_client.update_ticket(ticket.id, assignee_id=giulia.id))
    qtbot.waitUntil(done.done, timeout=WAIT_MS)
    conversation = first_conversation(m_client, qtbot)
    for window, client in ((m_window, m_client), (a_window, a_client)):
        qtbot.waitUntil(lambda c=client: c.awareness.assignee_only_replies, timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda c=client: (c.state.tickets.get(ticket.id) or ticket).assignee_id == giulia.id,
            timeout=WAIT_MS,
        )
        open_conversation(window, qtbot, conversation)
    assert (m_client.state.own_role, a_client.state.own_role) == ("operator", "admin")

    def offered(window: MainWindow) -> set[str]:
        combo = window.ticket_pane.assignee_combo
        return {combo.itemData(i) for i in range(combo.count())}

    # Marco may not take Giulia's ticket here (--assignee-only-replies): the picker is
    # locked and offers no colleague; Anna (admin) may dispatch it to anyone.
    marco_combo = m_window.ticket_pane.assignee_combo
    qtbot.waitUntil(lambda: not marco_combo.isEnabled(), timeout=WAIT_MS)
    assert "administrator" in marco_combo.toolTip()
    assert anna.id not in offered(m_window)
    anna_combo = a_window.ticket_pane.assignee_combo
    qtbot.waitUntil(lambda: marco.id in offered(a_window), timeout=WAIT_MS)
    assert anna_combo.isEnabled() and {giulia.id, anna.id} <= offered(a_window)

    # Settings: the local server's rules file, port and webhook secret are an admin's.
    settings = Preferences(QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat))
    for window, client, may in ((m_window, m_client, False), (a_window, a_client, True)):
        role = console_role(window, OpenConsole(client.profile))
        dialog = SettingsDialog(
            settings,
            webhook_url="http://127.0.0.1:3200/webhooks/wppconnect",
            webhook_secret="s3cret",
            may_configure_local_server=allowed(role, DeskAction.CONFIGURE_LOCAL_SERVER),
        )
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.tabs.setCurrentIndex(2)
        assert dialog.rules_path.isVisible() is may
        assert dialog.port.isVisible() is may
        assert dialog.local_panel.isVisible() is may
        assert dialog.local_restricted.isVisible() is not may
        dialog.close()


def test_an_admin_manages_operators_from_the_console_and_an_operator_is_not_offered_it(
    consoles: Consoles,
    desk: tuple[RestartableServer, list[Operator]],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Roles (issue 11): the "Operators…" menu action and window of an admin's console."""
    from PySide6.QtWidgets import QMainWindow, QMessageBox

    from sportello.app import OpenConsole, follow_role
    from sportello.ui.console_menus import ConsoleMenus
    from sportello.ui.operators_dialog import OperatorsDialog

    server, (giulia, marco) = desk
    anna = create_operator(server.db_url, "anna", "admin")
    m_window, m_client = consoles.open(marco)
    a_window, a_client = consoles.open(anna)
    _g_window, g_client = consoles.open(giulia)

    # The menu action follows the role the server gave each console.
    shown = {}
    for name, window, client in (("marco", m_window, m_client), ("anna", a_window, a_client)):
        host = QMainWindow()
        qtbot.addWidget(host)
        menus = ConsoleMenus(host, [], client.profile.name, local=False)
        stop = follow_role(window, menus, OpenConsole(client.profile))
        shown[name] = menus.operators_action.isVisible()
        stop()
    assert shown == {"marco": False, "anna": True}

    # An operator who opened it anyway (an older console) gets the server's refusal.
    refused = OperatorsDialog(m_client.admin, marco.id)
    qtbot.addWidget(refused)
    refused.show()
    qtbot.waitUntil(refused.message.isVisible, timeout=WAIT_MS)
    assert refused.message.text() == "Only an administrator can do this."
    assert refused.model.rowCount() == 0

    dialog = OperatorsDialog(a_client.admin, anna.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3, timeout=WAIT_MS)

    def row_of(name: str) -> int:
        for row in range(dialog.model.rowCount()):
            if dialog.model.index(row, 0).data() == name:
                return row
        return -1

    def access(name: str) -> str:
        return dialog.model.index(row_of(name), 3).data()

    dialog.new_name.setText("paola")
    dialog.new_password.setText("una-password-lunga")
    dialog.new_admin.setChecked(True)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row_of("paola") >= 0, timeout=WAIT_MS)
    assert dialog.model.index(row_of("paola"), 2).data() == "Administrator"
    assert dialog.new_name.text() == "" and dialog.new_password.text() == ""

    dialog.table.selectRow(row_of("anna"))
    assert not dialog.deactivate_button.isEnabled()  # not oneself

    dialog.table.selectRow(row_of("marco"))
    qtbot.mouseClick(dialog.revoke_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: m_client.state.connection_state is ConnectionState.UNAUTHORIZED, timeout=WAIT_MS
    )
    assert access("marco") == "Active"

    monkeypatch.setattr(
        QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Yes
    )
    dialog.table.selectRow(row_of("giulia"))
    qtbot.mouseClick(dialog.deactivate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: access("giulia") == "Deactivated", timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: g_client.state.connection_state is ConnectionState.UNAUTHORIZED, timeout=WAIT_MS
    )
