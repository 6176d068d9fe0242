"""The state the UI binds to: precise row notifications and derived unread counts."""

from __future__ import annotations

from sportello.client.changes import (
    ConversationChanged,
    ConversationMoved,
    ConversationsInserted,
    MessageChanged,
    MessageInserted,
    StateChange,
    TicketChanged,
    TypingStarted,
    TypingStopped,
)
from sportello.client.records import Conversation, Message, Ticket
from sportello.client.state import ClientState
from sportello.domain.values import DeliveryStatus, Direction, Priority, TicketStatus


def msg(
    mid: str,
    conv: str,
    ts: str,
    *,
    direction: Direction = Direction.INCOMING,
    status: DeliveryStatus | None = None,
    client_id: str | None = None,
) -> Message:
    default = DeliveryStatus.RECEIVED if direction is Direction.INCOMING else DeliveryStatus.SENT
    return Message(
        id=mid,
        conversation_id=conv,
        timestamp=f"2024-05-06T{ts}.000Z",
        direction=direction,
        status=status or default,
        body=f"body {mid}",
        sender_name=f"name {conv}",
        client_id=client_id,
    )


def recorded(state: ClientState) -> list[StateChange]:
    changes: list[StateChange] = []
    state.subscribe(changes.append)
    return changes


def test_new_conversation_is_inserted_on_top_and_counts_unread() -> None:
    state = ClientState()
    state.apply_message(msg("1", "a", "08:00:00"))
    changes = recorded(state)
    state.apply_message(msg("2", "b", "09:00:00"))
    assert isinstance(changes[0], ConversationsInserted) and changes[0].index == 0
    assert [c.id for c in state.conversations] == ["b", "a"]
    assert state.conversations[0].unread_count == 1


def test_activity_moves_a_conversation_to_the_top_with_one_move_and_one_change() -> None:
    state = ClientState()
    for i, conv in enumerate("abc"):
        state.apply_message(msg(str(i), conv, f"08:0{i}:00"))
    changes = recorded(state)
    state.apply_message(msg("9", "a", "09:00:00"))
    assert changes[0] == ConversationMoved(from_index=2, to_index=0, conversation_id="a")
    assert isinstance(changes[1], ConversationChanged) and changes[1].index == 0
    assert {"last_activity", "last_preview", "unread_count"} <= changes[1].fields
    assert [c.id for c in state.conversations] == ["a", "c", "b"]
    assert state.conversations[0].unread_count == 2


def test_read_by_anyone_cascades_to_earlier_messages_and_updates_the_count() -> None:
    state = ClientState()
    for i in range(3):
        state.apply_message(msg(str(i), "a", f"08:0{i}:00"))
    state.apply_read("1", cascade=True)
    assert state.conversation("a") is not None
    assert state.conversation("a").unread_count == 1  # type: ignore[union-attr]
    assert state.newest_unread("a") == "2"


def test_open_thread_gets_messages_inserted_in_time_order_and_status_changes() -> None:
    state = ClientState()
    state.apply_message(msg("1", "a", "08:00:00"))
    state.open_thread("a", [msg("1", "a", "08:00:00")], has_older=False)
    changes = recorded(state)
    state.apply_message(msg("3", "a", "08:10:00", direction=Direction.OUTGOING))
    state.apply_message(msg("2", "a", "08:05:00"))
    inserted = [c for c in changes if isinstance(c, MessageInserted)]
    assert [(c.index, c.message.id) for c in inserted] == [(1, "3"), (1, "2")]
    state.apply_status("3", DeliveryStatus.DELIVERED)
    state.apply_status("3", DeliveryStatus.SENT)  # a late ack never moves status back
    assert [m.status for m in state.thread][-1] is DeliveryStatus.DELIVERED
    status_changes = [c for c in changes if isinstance(c, MessageChanged)]
    assert len(status_changes) == 1 and status_changes[0].fields == {"status"}


def test_a_queued_placeholder_becomes_the_servers_message_in_place() -> None:
    state = ClientState()
    state.open_thread("a", [], has_older=False)
    local = msg(
        "local:c1",
        "a",
        "08:00:00",
        direction=Direction.OUTGOING,
        status=DeliveryStatus.QUEUED,
        client_id="c1",
    )
    state.apply_message(local)
    changes = recorded(state)
    state.apply_message(msg("77", "a", "08:00:00", direction=Direction.OUTGOING, client_id="c1"))
    assert [m.id for m in state.thread] == ["77"]
    assert isinstance(changes[0], MessageChanged) and "id" in changes[0].fields


def test_servers_copy_first_then_ack_leaves_one_message() -> None:
    state = ClientState()
    state.open_thread("a", [], has_older=False)
    state.apply_message(
        msg(
            "local:c1",
            "a",
            "08:00:00",
            direction=Direction.OUTGOING,
            status=DeliveryStatus.QUEUED,
            client_id="c1",
        )
    )
    state.apply_message(msg("77", "a", "08:00:01", direction=Direction.OUTGOING))
    state.apply_message(msg("77", "a", "08:00:01", direction=Direction.OUTGOING, client_id="c1"))
    assert [m.id for m in state.thread] == ["77"]


def test_bulk_load_then_ticket_and_typing_notifications() -> None:
    state = ClientState(own_user_id="op1")
    rows = [Conversation(id=f"c{i}", title=f"C{i}", last_activity=f"2024-05-0{i}") for i in (1, 2)]
    changes = recorded(state)
    state.load_conversations(rows, unread=[("c1", "m1", "2024-05-01")])
    assert changes[0] == ConversationsInserted(0, (rows[1], state.conversations[1]))
    assert state.conversations[1].unread_count == 1
    ticket = Ticket(
        id="t1",
        number="1",
        conversation_id="c1",
        title="Caldaia",
        status=TicketStatus.PENDING,
        priority=Priority.URGENT,
        created_at="x",
    )
    state.apply_ticket(ticket)
    assert isinstance(changes[1], TicketChanged) and changes[1].created
    assert state.conversation("c1").ticket == ticket  # type: ignore[union-attr]
    state.set_typing("c1", "+393331234567", True)
    state.set_typing("c1", "op1", True)  # my own typing echo is not shown
    state.set_typing("c1", "+393331234567", False)
    kinds = [type(c) for c in changes[2:] if isinstance(c, TypingStarted | TypingStopped)]
    assert kinds == [TypingStarted, TypingStopped]


def test_a_failed_reply_marks_its_row_once_announces_it_and_a_retry_clears_it() -> None:
    from sportello.client.changes import ReplyFailed

    state = ClientState()
    state.apply_message(msg("1", "a", "08:00:00"))
    state.apply_message(msg("2", "a", "08:01:00", direction=Direction.OUTGOING))
    state.apply_message(msg("3", "a", "08:02:00"))  # the customer writes after the reply
    changes = recorded(state)

    # The status names its conversation; the thread is not open: the row alone knows.
    state.apply_status("2", DeliveryStatus.FAILED, "the number is not on WhatsApp")
    state.apply_status("2", DeliveryStatus.FAILED, "the number is not on WhatsApp")

    row = state.conversation("a")
    assert row is not None and row.reply_failed and row.last_preview == "body 3"
    assert [c for c in changes if isinstance(c, ReplyFailed)] == [
        ReplyFailed("a", "2", "the number is not on WhatsApp", False)
    ]
    changed = [c for c in changes if isinstance(c, ConversationChanged)]
    assert [c.fields for c in changed] == [frozenset({"last_reply"})]

    # A late "sent" does not undo the failure; only an operator's retry does.
    state.apply_status("2", DeliveryStatus.SENT)
    assert state.conversation("a").reply_failed  # type: ignore[union-attr]
    state.apply_status("2", DeliveryStatus.QUEUED, conversation_id="a", retry=True)
    assert not state.conversation("a").reply_failed  # type: ignore[union-attr]
    state.apply_status("2", DeliveryStatus.FAILED, "again", conversation_id="a")
    assert [c.error for c in changes if isinstance(c, ReplyFailed)] == [
        "the number is not on WhatsApp",
        "again",
    ]
