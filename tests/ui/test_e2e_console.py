"""The real window against a real `sportello server` on loopback, driven like an operator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sportello.client.api import SportelloClient
from sportello.client.changes import ConnectionState
from sportello.client.connection import Backoff
from sportello.client.records import Conversation, Message, ServerProfile
from sportello.domain.values import DeliveryStatus, Priority, TicketStatus
from sportello.ui.main_window import MainWindow
from sportello.ui.tasks import TaskRunner
from tests.fakes.fake_gateway import FakeGateway
from tests.support.sportello_server import (
    Operator,
    RestartableServer,
    create_operator,
    server_module_missing,
)

pytestmark = pytest.mark.slow
FAST_BACKOFF = Backoff(base=0.1, factor=2.0, cap=0.8, jitter=0.3)
WAIT_MS = 20_000


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with FakeGateway.start_in_thread() as gw:
        yield gw


@pytest.fixture
def server(
    tmp_path: Path, gateway: FakeGateway
) -> Iterator[tuple[RestartableServer, list[Operator]]]:
    if server_module_missing():
        pytest.skip("sportello.server has not landed yet: no real server to drive")
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    operators = [create_operator(db_url, "giulia"), create_operator(db_url, "marco")]
    running = RestartableServer(
        db_url,
        [
            "--wppconnect-url",
            gateway.wpp_base_url,
            "--wppconnect-session",
            gateway.session,
            "--wppconnect-token",
            gateway.wpp_token,
            "--send-retry-base",
            "0.2",
        ],
    )
    running.start()
    try:
        yield running, operators
    finally:
        running.kill()


def make_client(server: RestartableServer, operator: Operator, cache: Path) -> SportelloClient:
    profile = ServerProfile(server.url, operator.token, operator.id, operator.name)
    return SportelloClient(profile, cache, backoff=FAST_BACKOFF, sync_timeout=3.0)


Console = tuple[MainWindow, SportelloClient, RestartableServer, list[Operator]]


@pytest.fixture
def console(
    qt_loop: object, qtbot: QtBot, tmp_path: Path, server: tuple[RestartableServer, list[Operator]]
) -> Iterator[Console]:
    running, operators = server
    client = make_client(running, operators[0], tmp_path / "giulia.db")
    runner = TaskRunner()
    window = MainWindow(client, runner)
    qtbot.addWidget(window)
    started = runner.run(client.start())
    qtbot.waitUntil(started.done, timeout=WAIT_MS)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(
        lambda: client.state.connection_state is ConnectionState.ONLINE, timeout=WAIT_MS
    )
    yield window, client, running, operators
    window.close()
    stopped = runner.run(client.stop())
    qtbot.waitUntil(stopped.done, timeout=WAIT_MS)


@contextmanager
def colleague_online(
    qtbot: QtBot, running: RestartableServer, operator: Operator, cache: Path
) -> Iterator[SportelloClient]:
    """A second console (no window) logged in as a colleague."""
    colleague = make_client(running, operator, cache)
    runner = TaskRunner()
    runner.run(colleague.start())
    qtbot.waitUntil(
        lambda: colleague.state.connection_state is ConnectionState.ONLINE, timeout=WAIT_MS
    )
    try:
        yield colleague
    finally:
        stopped = runner.run(colleague.stop())
        qtbot.waitUntil(stopped.done, timeout=WAIT_MS)


def open_first(window: MainWindow, qtbot: QtBot) -> Conversation:
    qtbot.waitUntil(lambda: window.conversations.model.rowCount() >= 1, timeout=WAIT_MS)
    conv = window.conversations.model.conversation_at(0)
    assert conv is not None
    window.conversations.select_conversation(conv.id)
    qtbot.waitUntil(lambda: window.thread_pane.model.rowCount() >= 1, timeout=WAIT_MS)
    return conv


def type_and_send(window: MainWindow, qtbot: QtBot, text: str) -> None:
    edit = window.thread_pane.composer.edit
    edit.setFocus()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def thread_messages(window: MainWindow) -> list[Message]:
    model = window.thread_pane.model
    return [m for m in (model.message_at(r) for r in range(model.rowCount())) if m is not None]


def watch_statuses(window: MainWindow, body: str) -> list[DeliveryStatus]:
    """Every status the thread shows for the reply `body`, in order (repeats collapsed)."""
    seen: list[DeliveryStatus] = []
    model = window.thread_pane.model

    def look(*_: object) -> None:
        for message in thread_messages(window):
            if message.body == body and (not seen or seen[-1] is not message.status):
                seen.append(message.status)

    model.rowsInserted.connect(look)
    model.dataChanged.connect(look)
    model.modelReset.connect(look)
    return seen


def test_webhook_jumps_to_top_with_badge_and_opening_reads_for_everyone(
    console: Console, qtbot: QtBot, tmp_path: Path
) -> None:
    window, client, running, operators = console
    with colleague_online(qtbot, running, operators[1], tmp_path / "marco.db") as colleague:
        running.customer_writes(
            "Buongiorno, avete ricevuto la mia mail?", phone="+393331110000", name="Anna"
        )
        qtbot.waitUntil(lambda: window.conversations.model.rowCount() == 1, timeout=WAIT_MS)
        running.customer_writes(
            "La caldaia è in blocco, aiuto!", phone="+393332220000", name="Mario Rossi"
        )
        qtbot.waitUntil(lambda: window.conversations.model.rowCount() == 2, timeout=WAIT_MS)
        top = window.conversations.model.conversation_at(0)
        assert top is not None and top.title == "Mario Rossi" and top.unread_count == 1
        # Anna writes again: her conversation jumps back to the top, badge 2.
        running.customer_writes("Scusate, è urgente", phone="+393331110000", name="Anna")
        qtbot.waitUntil(
            lambda: window.conversations.model.conversation_at(0).title == "Anna",  # type: ignore[union-attr]
            timeout=WAIT_MS,
        )
        anna = window.conversations.model.conversation_at(0)
        assert anna is not None and anna.unread_count == 2
        assert "2 unread" in window.conversations.model.index(0, 0).data(
            Qt.ItemDataRole.AccessibleTextRole
        )
        qtbot.waitUntil(
            lambda: getattr(colleague.state.conversation(anna.id), "unread_count", 0) == 2,
            timeout=WAIT_MS,
        )

        window.conversations.select_conversation(anna.id)
        qtbot.waitUntil(lambda: window.thread_pane.model.rowCount() == 2, timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: client.state.conversation(anna.id).unread_count == 0,  # type: ignore[union-attr]
            timeout=WAIT_MS,
        )
        # Read by one operator is read for all: the colleague's badge clears live.
        qtbot.waitUntil(
            lambda: colleague.state.conversation(anna.id).unread_count == 0,  # type: ignore[union-attr]
            timeout=WAIT_MS,
        )
        listed = running.get(operators[1].token, "/api/conversations")
        unread = {c["id"]: c["unreadCount"] for c in listed["conversations"]}
        assert unread == {anna.id: 0, top.id: 1}


def test_reply_shows_queued_sent_delivered_read_as_the_gateway_acks(
    console: Console, qtbot: QtBot, gateway: FakeGateway
) -> None:
    window, _client, running, _ = console
    running.customer_writes_wpp("Quando passate per la caldaia?", name="Lucia")
    open_first(window, qtbot)
    statuses = watch_statuses(window, "Domattina alle 9")

    type_and_send(window, qtbot, "Domattina alle 9")

    qtbot.waitUntil(lambda: len(gateway.sent) == 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: DeliveryStatus.SENT in statuses, timeout=WAIT_MS)
    gateway_id = gateway.sent[0].message_id
    running.post("/webhooks/wppconnect", gateway.wpp_ack(gateway_id, 2))  # delivered
    qtbot.waitUntil(lambda: DeliveryStatus.DELIVERED in statuses, timeout=WAIT_MS)
    running.post("/webhooks/wppconnect", gateway.wpp_ack(gateway_id, 3))  # read
    qtbot.waitUntil(lambda: DeliveryStatus.READ in statuses, timeout=WAIT_MS)

    assert statuses == [
        DeliveryStatus.QUEUED,
        DeliveryStatus.SENT,
        DeliveryStatus.DELIVERED,
        DeliveryStatus.READ,
    ]
    replies = [m for m in thread_messages(window) if m.body == "Domattina alle 9"]
    assert len(replies) == 1 and not replies[0].is_local
    assert window.thread_pane.composer.text() == ""
    assert [m.body for m in gateway.sent] == ["Domattina alle 9"]


def test_failed_send_shows_the_error_and_retries_on_demand(
    console: Console, qtbot: QtBot, gateway: FakeGateway
) -> None:
    window, _client, running, _ = console
    running.customer_writes_wpp("Mi mandate il preventivo?", name="Paolo")
    open_first(window, qtbot)
    gateway.fail_next(1, 400)  # WPPConnect: the number is not on WhatsApp

    type_and_send(window, qtbot, "Ecco il preventivo")

    def failed() -> Message | None:
        found = [m for m in thread_messages(window) if m.status is DeliveryStatus.FAILED]
        return found[0] if found else None

    qtbot.waitUntil(lambda: failed() is not None, timeout=WAIT_MS)
    bad = failed()
    assert bad is not None and bad.body == "Ecco il preventivo" and bad.error
    view = window.thread_pane.view
    row = window.thread_pane.model.row_of(bad.id)
    assert row is not None
    shown = view.message_delegate._error_text(bad)
    # The gateway's own (English) answer is logged, not pasted into the sentence.
    assert shown == "Not sent: WhatsApp did not accept it. Press Ctrl+R or right-click to retry."
    assert bad.error not in shown
    assert gateway.sent == []  # nothing reached the customer

    # The operator retries from the message's context menu: the same bubble goes out.
    view.setCurrentIndex(window.thread_pane.model.index(row, 0))
    menu = view.build_context_menu(bad)
    retry = [a for a in menu.actions() if a.text() == "Retry sending"]
    assert retry
    retry[0].trigger()

    qtbot.waitUntil(lambda: len(gateway.sent) == 1, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: (
            [(m.id, m.status) for m in thread_messages(window) if m.body == "Ecco il preventivo"]
            == [(bad.id, DeliveryStatus.SENT)]
        ),
        timeout=WAIT_MS,
    )
    assert [m.body for m in gateway.sent] == ["Ecco il preventivo"]


def test_priority_and_status_edits_round_trip(
    console: Console, qtbot: QtBot, tmp_path: Path
) -> None:
    window, client, running, operators = console
    running.customer_writes(
        "Perdita d'acqua in cucina, è urgente", phone="+393334440000", name="Lucia"
    )
    with colleague_online(qtbot, running, operators[1], tmp_path / "marco.db") as colleague:
        conv = open_first(window, qtbot)
        pane = window.ticket_pane
        qtbot.waitUntil(lambda: pane.ticket is not None, timeout=WAIT_MS)
        assert pane.ticket is not None and pane.ticket.priority is Priority.URGENT
        ticket_id = pane.ticket.id

        combo = pane.priority_combo
        combo.setCurrentIndex(combo.findData(Priority.LOW))
        combo.activated.emit(combo.currentIndex())
        qtbot.waitUntil(
            lambda: pane.ticket is not None and pane.ticket.priority is Priority.LOW,
            timeout=WAIT_MS,
        )
        status = pane.status_combo
        status.setCurrentIndex(status.findData(TicketStatus.IN_PROGRESS))
        status.activated.emit(status.currentIndex())
        qtbot.waitUntil(
            lambda: pane.ticket is not None and pane.ticket.status is TicketStatus.IN_PROGRESS,
            timeout=WAIT_MS,
        )
        assert not pane.error.isVisible()
        # The server has it, and a colleague's console shows it live.
        listed = running.get(client.profile.token, "/api/tickets")
        assert [(t["priority"], t["status"]) for t in listed["tickets"]] == [("LOW", "IN_PROGRESS")]
        qtbot.waitUntil(
            lambda: (
                (t := colleague.state.tickets.get(ticket_id)) is not None
                and (t.priority, t.status) == (Priority.LOW, TicketStatus.IN_PROGRESS)
            ),
            timeout=WAIT_MS,
        )
        row = colleague.state.conversation(conv.id)
        assert row is not None and row.ticket is not None
        assert row.ticket.priority is Priority.LOW
        # The pane's history is the server's: both edits, by this operator, newest first.
        qtbot.waitUntil(
            lambda: (
                [line.split(" · ", 1)[-1] for line in pane.history_model.stringList()]
                == [
                    "giulia: Status: Pending → In progress",
                    "giulia: Priority: Urgent → Low",
                    "Sportello: Ticket created automatically",
                ]
            ),
            timeout=WAIT_MS,
        )


def test_create_ticket_from_a_message_by_hand(
    console: Console, qtbot: QtBot, tmp_path: Path
) -> None:
    window, client, running, operators = console
    running.customer_writes("Buongiorno, vi richiamo domani", phone="+393336660000", name="Ada")
    with colleague_online(qtbot, running, operators[1], tmp_path / "marco.db") as colleague:
        conv = open_first(window, qtbot)
        pane = window.ticket_pane
        assert pane.ticket is None  # no keyword: no automatic ticket
        view = window.thread_pane.view
        view.setCurrentIndex(window.thread_pane.model.index(0, 0))
        pane.create_button.click()
        qtbot.waitUntil(lambda: pane.ticket is not None, timeout=WAIT_MS)
        assert pane.ticket is not None and pane.ticket.title.startswith("WhatsApp: Buongiorno")
        ticket_id = pane.ticket.id
        qtbot.waitUntil(lambda: ticket_id in colleague.state.tickets, timeout=WAIT_MS)
        qtbot.waitUntil(
            lambda: getattr(client.state.conversation(conv.id), "ticket", None) is not None,
            timeout=WAIT_MS,
        )


def test_reconnect_keeps_every_message_once_in_order_and_what_was_typed(
    console: Console, qtbot: QtBot, gateway: FakeGateway
) -> None:
    window, client, running, _ = console
    # One message a second (WPPConnect stamps whole seconds): the order is the customer's.
    start = int(time.time()) - 60
    running.customer_writes_wpp("messaggio 1", name="Paolo", t=start)
    conv = open_first(window, qtbot)

    running.kill()  # the server dies: no goodbye, sockets cut
    qtbot.waitUntil(
        lambda: client.state.connection_state is not ConnectionState.ONLINE, timeout=WAIT_MS
    )
    # Offline, the operator answers (outbox) and starts a second reply (draft).
    type_and_send(window, qtbot, "Risposta scritta offline")
    qtbot.waitUntil(
        lambda: any(m.body == "Risposta scritta offline" for m in thread_messages(window)),
        timeout=WAIT_MS,
    )
    window.thread_pane.composer.edit.setPlainText("Sto scrivendo una risposta lunga")

    running.start()
    for n in range(2, 7):  # webhooks keep arriving while the console reconnects
        running.customer_writes_wpp(f"messaggio {n}", name="Paolo", t=start + n)
    qtbot.waitUntil(
        lambda: any(
            m.body == "Risposta scritta offline" and m.status is DeliveryStatus.SENT
            for m in thread_messages(window)
        ),
        timeout=WAIT_MS,
    )
    running.kill()  # and once more, mid-stream
    running.start()
    for n in range(7, 10):
        running.customer_writes_wpp(f"messaggio {n}", name="Paolo", t=start + n)

    incoming = [f"messaggio {n}" for n in range(1, 10)]
    qtbot.waitUntil(
        lambda: [m.body for m in thread_messages(window) if m.direction == "incoming"] == incoming,
        timeout=WAIT_MS,
    )
    qtbot.waitUntil(
        lambda: client.state.connection_state is ConnectionState.ONLINE, timeout=WAIT_MS
    )
    bodies = [m.body for m in thread_messages(window)]
    assert bodies.count("Risposta scritta offline") == 1
    assert [m.body for m in gateway.sent] == ["Risposta scritta offline"]
    reply = next(m for m in thread_messages(window) if m.body == "Risposta scritta offline")
    assert not reply.is_local and reply.status is not DeliveryStatus.FAILED
    listed = running.get(client.profile.token, f"/api/conversations/{conv.id}/messages")
    server_bodies = [m["message"] for m in reversed(listed["messages"])]
    assert sorted(server_bodies) == sorted([*incoming, "Risposta scritta offline"])
    assert [b for b in bodies if b.startswith("messaggio")] == incoming
    assert window.thread_pane.composer.text() == "Sto scrivendo una risposta lunga"
    assert "Online" in window.status.connection_text
