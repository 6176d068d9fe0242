"""The conversation list follows the client state row by row: order, badges, filters."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from pytestqt.qtbot import QtBot

from sportello.client.state import ClientState
from sportello.domain.values import Priority, TicketStatus
from sportello.ui.conversation_model import (
    ConversationFilter,
    ConversationFilterProxy,
    ConversationListModel,
    ConversationRole,
)
from tests.ui.fake_client import incoming, stamp, ticket


def ids(model: ConversationListModel | ConversationFilterProxy) -> list[str]:
    return [model.index(r, 0).data(ConversationRole.ID) for r in range(model.rowCount())]


def test_new_message_moves_conversation_to_top_without_reset(qtbot: QtBot) -> None:
    state = ClientState("op1")
    for i, conv in enumerate(["a", "b", "c"]):
        state.apply_message(incoming(conv, "ciao", stamp(i), name=conv.upper()))
    model = ConversationListModel(state)
    assert ids(model) == ["c", "b", "a"]
    resets: list[int] = []
    moves: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.rowsMoved.connect(lambda _p, s, _e, _d, dst: moves.append((s, dst)))

    state.apply_message(incoming("a", "la caldaia perde acqua", stamp(10), name="A"))

    assert ids(model) == ["a", "c", "b"]
    assert moves == [(2, 0)]
    assert resets == []
    conv = model.index(0, 0).data(ConversationRole.CONVERSATION)
    assert conv.unread_count == 2
    assert conv.last_preview == "la caldaia perde acqua"


def test_new_conversation_is_inserted_as_one_row(qtbot: QtBot) -> None:
    state = ClientState("op1")
    state.apply_message(incoming("a", "uno", stamp(1)))
    model = ConversationListModel(state)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    state.apply_message(incoming("b", "due", stamp(2)))
    assert inserted == [(0, 0)]
    assert ids(model) == ["b", "a"]


def test_model_mirrors_state_through_a_burst(qtbot: QtBot) -> None:
    state = ClientState("op1")
    model = ConversationListModel(state)
    for i in range(200):
        conv = f"c{(i * 7) % 23}"
        state.apply_message(incoming(conv, f"msg {i}", stamp(i % 60, hour=9 + i // 60)))
    assert ids(model) == [c.id for c in state.conversations]
    assert [
        model.index(r, 0).data(ConversationRole.CONVERSATION) for r in range(model.rowCount())
    ] == list(state.conversations)


def test_colleague_read_clears_badge_live(qtbot: QtBot) -> None:
    state = ClientState("op1")
    message = incoming("a", "ciao", stamp(1))
    state.apply_message(message)
    model = ConversationListModel(state)
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _b, _r: changed.append(top.row()))
    state.apply_read(message.id, cascade=True)
    assert model.index(0, 0).data(ConversationRole.CONVERSATION).unread_count == 0
    assert changed == [0]


def test_filters_show_unread_open_urgent_and_mine(qtbot: QtBot) -> None:
    state = ClientState("op1")
    for i, conv in enumerate(["read", "unread", "urgent", "mine", "closed"]):
        state.apply_message(incoming(conv, "ciao", stamp(i)))
    for conv in ["read", "urgent", "mine", "closed"]:
        state.apply_read(state.newest_unread(conv) or "", cascade=True)
    state.apply_ticket(ticket("t1", "urgent", "101", Priority.URGENT))
    state.apply_ticket(
        ticket("t2", "mine", "102", Priority.HIGH, assignee_id="op1", status=TicketStatus.ASSIGNED)
    )
    state.apply_ticket(ticket("t3", "closed", "103", Priority.URGENT, status=TicketStatus.CLOSED))
    model = ConversationListModel(state)
    proxy = ConversationFilterProxy(state)
    proxy.setSourceModel(model)

    proxy.set_mode(ConversationFilter.UNREAD)
    assert ids(proxy) == ["unread"]
    proxy.set_mode(ConversationFilter.OPEN_TICKETS)
    assert ids(proxy) == ["mine", "urgent"]
    proxy.set_mode(ConversationFilter.URGENT)
    assert ids(proxy) == ["urgent"]
    proxy.set_mode(ConversationFilter.MINE)
    assert ids(proxy) == ["mine"]

    # A live change re-filters: a new message makes "read" unread again.
    proxy.set_mode(ConversationFilter.UNREAD)
    state.apply_message(incoming("read", "ancora io", stamp(30)))
    assert ids(proxy) == ["read", "unread"]
    assert proxy.rowCount(QModelIndex()) == 2
