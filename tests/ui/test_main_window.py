"""The main window driven like an operator would: keys, clicks, and live state changes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from sportello.client.changes import ConnectionState, ProtocolProfile
from sportello.client.features import SEED_MISSING_FEATURES
from sportello.client.records import Operator, SearchHit, TicketEvent
from sportello.domain.values import DeliveryStatus, Priority, TicketStatus
from sportello.ui.conversation_model import ConversationFilter
from sportello.ui.main_window import MainWindow
from sportello.ui.thread_model import MessageRole
from tests.ui.fake_client import FakeClient, incoming, outgoing, stamp, ticket


@pytest.fixture
def window(client: FakeClient, qtbot: QtBot) -> Iterator[MainWindow]:
    state = client.state
    for i, (conv, name) in enumerate(
        [("rossi", "Mario Rossi"), ("bianchi", "Lucia Bianchi"), ("verdi", "Idraulica Verdi")]
    ):
        history = [
            incoming(
                conv,
                f"messaggio {n}",
                stamp(n % 60, hour=8 + n // 60),
                name=name,
                phone="+3933300000" + str(i),
            )
            for n in range(45)
        ]
        client.pages[conv] = history
        for message in history[-3:]:
            state.apply_message(message)
    state.apply_read(state.newest_unread("verdi") or "", cascade=True)
    state.apply_ticket(
        ticket("t1", "rossi", "123", Priority.URGENT, title="WhatsApp: caldaia in blocco")
    )
    win = MainWindow(client)
    qtbot.addWidget(win)
    win.show()
    win.activateWindow()
    qtbot.waitExposed(win)
    yield win
    win.close()


def open_row(win: MainWindow, qtbot: QtBot, conversation_id: str) -> None:
    win.conversations.select_conversation(conversation_id)
    qtbot.waitUntil(lambda: win.thread_pane.model.conversation_id == conversation_id)


def test_opening_conversation_marks_read_and_shows_unread_marker(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    open_row(window, qtbot, "rossi")
    model = window.thread_pane.model
    assert model.rowCount() == client.page_size
    first_unread = client.pages["rossi"][-3].id
    assert model.unread_marker == first_unread
    assert model.index(model.row_of(first_unread), 0).data(MessageRole.UNREAD_MARKER) is True
    qtbot.waitUntil(lambda: client.called("mark_read") == ["rossi"])
    assert client.state.conversation("rossi").unread_count == 0


def test_a_mark_read_that_fails_unexpectedly_does_not_stop_later_ones(
    window: MainWindow, client: FakeClient, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not a ClientError (as the bare TimeoutError of an ack that never came used to be):
    # the window must still hear that the action ended, or never mark anything read again.
    real = client.mark_read
    failures: list[str] = []

    async def fails_once(conversation_id: str) -> None:
        if not failures:
            failures.append(conversation_id)
            raise TimeoutError("the server did not answer markAsRead within 10 s")
        await real(conversation_id)

    monkeypatch.setattr(client, "mark_read", fails_once)
    open_row(window, qtbot, "rossi")
    qtbot.waitUntil(lambda: failures == ["rossi"])
    open_row(window, qtbot, "bianchi")
    qtbot.waitUntil(lambda: client.called("mark_read") == ["bianchi"])
    assert client.state.conversation("bianchi").unread_count == 0  # type: ignore[union-attr]


def test_day_separator_only_on_first_message_of_a_day(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    client.pages["rossi"][-1] = incoming(
        "rossi", "il giorno dopo", stamp(0, day=1), name="Mario Rossi"
    )
    client.state.apply_message(client.pages["rossi"][-1])
    open_row(window, qtbot, "rossi")
    model = window.thread_pane.model
    headers = [
        bool(model.index(r, 0).data(MessageRole.DAY_HEADER)) for r in range(model.rowCount())
    ]
    assert headers[0] is True
    assert headers[-1] is True
    assert headers.count(True) == 2


def test_scrolling_to_top_loads_older_page_and_keeps_position(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    open_row(window, qtbot, "rossi")
    view = window.thread_pane.view
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0)
    anchor = window.thread_pane.model.message_at(0)
    view.verticalScrollBar().setValue(0)
    qtbot.waitUntil(lambda: window.thread_pane.model.rowCount() == 40)
    assert client.called("load_older") == ["rossi"]
    # The message that was on top is still where the operator was looking, not at row 0.
    row = window.thread_pane.model.row_of(anchor.id)
    assert row == 20
    qtbot.waitUntil(lambda: view.verticalScrollBar().value() > 0)


def test_enter_sends_and_shift_enter_adds_a_line(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    open_row(window, qtbot, "bianchi")
    edit = window.thread_pane.composer.edit
    edit.setFocus()
    qtbot.keyClicks(edit, "Buongiorno")
    qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(edit, "arriviamo alle 15")
    assert edit.toPlainText() == "Buongiorno\narriviamo alle 15"
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: client.called("send_message") == [("bianchi", "Buongiorno\narriviamo alle 15")]
    )
    assert edit.toPlainText() == ""
    last = window.thread_pane.model.message_at(window.thread_pane.model.rowCount() - 1)
    assert last.status is DeliveryStatus.QUEUED


def test_delivery_states_update_the_same_row(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    open_row(window, qtbot, "bianchi")
    sent = outgoing("bianchi", "Arriviamo", stamp(50, hour=9), DeliveryStatus.SENT, mid="out1")
    client.state.apply_message(sent)
    model = window.thread_pane.model
    row = model.row_of("out1")
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _b, _r: changed.append(top.row()))
    for status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ):
        client.state.apply_status("out1", status)
        assert model.message_at(row).status is status
    assert changed == [row, row]


def test_failed_message_retries_with_ctrl_r(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    open_row(window, qtbot, "bianchi")
    client.state.apply_message(
        outgoing(
            "bianchi",
            "Preventivo",
            stamp(55, hour=9),
            DeliveryStatus.FAILED,
            mid="bad",
            error="numero non su WhatsApp",
        )
    )
    view = window.thread_pane.view
    row = window.thread_pane.model.row_of("bad")
    view.setFocus()
    view.setCurrentIndex(window.thread_pane.model.index(row, 0))
    qtbot.keyClick(view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: client.called("retry") == ["bad"])
    # Sent again in place: the same bubble, queued, its error gone; no Retry any more.
    assert window.thread_pane.model.row_of("bad") == row
    again = window.thread_pane.model.message_at(row)
    assert again is not None and again.status is DeliveryStatus.QUEUED and again.error is None
    menu = view.build_context_menu(again)
    assert all(a.text() != "Retry sending" for a in menu.actions())


def test_keyboard_moves_between_conversations(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    window.conversations.list_view.setFocus()
    order = window.conversations.visible_ids()
    open_row(window, qtbot, order[0])
    qtbot.keyClick(window, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.thread_pane.model.conversation_id == order[1])
    qtbot.keyClick(window, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.thread_pane.model.conversation_id == order[0])
    # Ctrl+Shift+U: next conversation with unread messages, skipping read ones.
    client.state.apply_message(
        incoming("verdi", "altro messaggio", stamp(59, hour=10), name="Idraulica Verdi")
    )
    qtbot.keyClick(
        window,
        Qt.Key.Key_U,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: window.thread_pane.model.conversation_id in {"rossi", "verdi"})
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.conversations.search.hasFocus()
    qtbot.keyClick(window.conversations.search, Qt.Key.Key_Escape)
    assert window.conversations.list_view.hasFocus()


def test_search_shows_server_hits_and_opens_conversation(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    client.search_hits = [
        SearchHit("message", "m1", "Lucia Bianchi", "la caldaia perde", "bianchi", stamp(3))
    ]
    window.conversations.focus_search()
    qtbot.keyClicks(window.conversations.search, "caldaia")
    qtbot.keyClick(window.conversations.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.conversations.search_model.rowCount() == 1)
    assert client.called("search") == ["caldaia"]
    view = window.conversations.results_view
    view.setCurrentIndex(window.conversations.search_model.index(0, 0))
    view.activated.emit(view.currentIndex())
    qtbot.waitUntil(lambda: window.thread_pane.model.conversation_id == "bianchi")


def test_filter_buttons(window: MainWindow, qtbot: QtBot) -> None:
    window.conversations.set_filter(ConversationFilter.URGENT)
    assert window.conversations.visible_ids() == ["rossi"]
    window.conversations.set_filter(ConversationFilter.ALL)
    assert len(window.conversations.visible_ids()) == 3


def test_ticket_priority_edit_calls_client_and_failure_reverts(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    open_row(window, qtbot, "rossi")
    pane = window.ticket_pane
    assert pane.ticket is not None and pane.ticket.number == "123"
    combo = pane.priority_combo
    combo.setCurrentIndex(combo.findData(Priority.LOW))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: pane.ticket is not None and pane.ticket.priority is Priority.LOW)
    assert client.called("update_ticket") == [("t1", None, Priority.LOW, None)]

    client.fail_update = "the server refused the change"
    status = pane.status_combo
    status.setCurrentIndex(status.findData(TicketStatus.CLOSED))
    status.activated.emit(status.currentIndex())
    qtbot.waitUntil(lambda: pane.error.isVisible())
    # The client's English detail stays in the log; the pane says it in its own words.
    assert pane.error.text() == "The ticket was not changed: the server refused it."
    assert status.currentData() == TicketStatus.PENDING


def test_create_ticket_by_hand_from_the_selected_message(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    open_row(window, qtbot, "bianchi")
    view = window.thread_pane.view
    view.setCurrentIndex(window.thread_pane.model.index(0, 0))
    chosen = view.current_message()
    assert chosen is not None
    window.ticket_pane.create_button.click()
    qtbot.waitUntil(lambda: window.ticket_pane.ticket is not None)
    assert client.called("create_ticket") == [chosen.id]
    assert window.ticket_pane.heading.text().startswith("#")
    # The row in the list shows the new ticket's chip at once.
    qtbot.waitUntil(lambda: client.state.conversation("bianchi").ticket is not None)  # type: ignore[union-attr]
    # One open ticket per contact: the button says why it is off instead of failing.
    button = window.ticket_pane.create_button
    assert not button.isEnabled() and "already has an open ticket" in button.toolTip()


def test_assignee_picker_names_operators_and_history_comes_from_the_server(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    client.operator_list = [
        Operator("op1", "giulia", "Giulia Neri"),
        Operator("op2", "marco", "Marco Blu"),
    ]
    client.histories["t1"] = [
        TicketEvent("status", None, "PENDING", None, stamp(1), "auto"),
        TicketEvent("assignee", None, "op2", "op1", stamp(2), "updated"),
    ]
    client.state.set_connection(ConnectionState.ONLINE, "")
    qtbot.waitUntil(lambda: bool(client.called("operators")))
    open_row(window, qtbot, "rossi")
    pane = window.ticket_pane
    combo = pane.assignee_combo
    qtbot.waitUntil(lambda: combo.findText("Marco Blu") >= 0)
    assert combo.itemText(0) == "Nobody" and combo.findText("Me (Giulia Neri)") >= 0
    qtbot.waitUntil(lambda: len(pane.history_model.stringList()) == 2)
    newest, oldest = pane.history_model.stringList()
    assert "Giulia Neri" in newest and "Marco Blu" in newest
    assert "created automatically" in oldest

    combo.setCurrentIndex(combo.findText("Marco Blu"))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(lambda: bool(client.called("update_ticket")))
    assert client.called("update_ticket")[-1] == ("t1", None, None, "op2")


def test_composer_blocked_with_reason_on_seed_server_but_not_offline(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    open_row(window, qtbot, "bianchi")
    client.state.set_connection(ConnectionState.OFFLINE, "server down", 30.0)
    assert window.thread_pane.composer.blocked_reason is None
    assert "Offline" in window.status.connection_text
    client.state.set_profile(ProtocolProfile.SEED, SEED_MISSING_FEATURES)
    assert window.thread_pane.composer.blocked_reason is not None
    assert not window.thread_pane.composer.send_button.isEnabled()
    assert window.status.features_label.isVisible()
    assert "history sync" in window.status.features_label.text()
    assert not window.ticket_pane.priority_combo.isEnabled()


def test_status_bar_counts_down_reconnection(window: MainWindow, client: FakeClient) -> None:
    client.state.set_connection(ConnectionState.RECONNECTING, "connection refused", 5.0)
    assert "Reconnecting in 5 s" in window.status.connection_text
    # Why it dropped is the client's log's (English): not pasted into the status bar.
    assert "connection refused" not in window.status.connection_label.toolTip()
    client.state.set_connection(ConnectionState.ONLINE)
    assert "Online" in window.status.connection_text


def test_typing_indicator_follows_state(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    open_row(window, qtbot, "rossi")
    client.state.set_typing("rossi", "+393330000000", True)
    assert "is typing" in window.thread_pane.typing.text()
    client.state.set_typing("rossi", "+393330000000", False)
    assert window.thread_pane.typing.text() == ""


def test_every_widget_has_an_accessible_name(window: MainWindow) -> None:
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QComboBox,
        QLineEdit,
        QPlainTextEdit,
        QWidget,
    )

    interactive = (QAbstractButton, QAbstractItemView, QComboBox, QLineEdit, QPlainTextEdit)
    missing = [
        type(w).__name__ + ":" + w.objectName() + ":" + type(w.parent()).__name__
        for w in window.findChildren(QWidget)
        if isinstance(w, interactive) and w.window() is window  # not Qt's combo popups
        if not w.accessibleName() and not w.objectName().startswith("qt_")
    ]
    assert missing == [], missing


def test_every_pane_is_reachable_from_the_keyboard_and_esc_goes_back_to_the_list(
    window: MainWindow, client: FakeClient, qtbot: QtBot
) -> None:
    window.conversations.list_view.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.thread_pane.model.conversation_id is not None)
    # Ctrl+E: write a reply; Esc: back to the list, the draft kept.
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    edit = window.thread_pane.composer.edit
    assert edit.hasFocus()
    qtbot.keyClicks(edit, "Arrivo")
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert window.conversations.list_view.hasFocus()
    assert window.thread_pane.composer.text() == "Arrivo"
    # Ctrl+T: the ticket pane; Esc from there goes back too.
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.ticket_pane.status_combo.hasFocus()
    qtbot.keyClick(window.ticket_pane.status_combo, Qt.Key.Key_Escape)
    assert window.conversations.list_view.hasFocus()
    # Ctrl+K searches; Esc leaves the search and returns to the list.
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.conversations.search.hasFocus()
    qtbot.keyClick(window.conversations.search, Qt.Key.Key_Escape)
    assert window.conversations.list_view.hasFocus()
    # The documented window shortcuts are all bound.
    assert set(window.shortcuts) >= {"Ctrl+K", "Alt+Up", "Alt+Down", "Ctrl+Shift+U", "Esc"}
