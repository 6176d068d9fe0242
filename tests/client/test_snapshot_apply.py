"""A first start's snapshot, then the events between its cursor and its reads applied again.

The snapshot is read after the cursor, so `sync {since: cursor}` brings back events the
snapshot already shows. These tests apply exactly that overlap to the real state, cache and
session code and check that nothing doubles: message ids, unread counts, tickets,
announcements. (The same race against a real server: test_first_start.py.)
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from sportello.client.cache import Cache
from sportello.client.changes import ConversationsInserted, IncomingMessage, StateChange
from sportello.client.outbox import Outbox
from sportello.client.records import Conversation, Message, Ticket
from sportello.client.sequencer import WireEvent
from sportello.client.session import Session
from sportello.client.snapshot import parse_conversation
from sportello.client.state import ClientState
from sportello.domain.values import DeliveryStatus, Direction, Priority, TicketStatus


def ts(second: int) -> str:
    return f"2026-03-01T10:00:{second:02d}.000Z"


def wire_message(mid: str, conv: str, second: int, status: str = "received") -> dict[str, Any]:
    return {
        "id": mid,
        "conversationId": conv,
        "phoneNumber": f"+39333000{conv}",
        "message": f"testo {mid}",
        "timestamp": ts(second),
        "type": "text",
        "isGroup": False,
        "senderName": f"Cliente {conv}",
        "direction": "incoming",
        "status": status,
        "ticketId": None,
    }


def message(mid: str, conv: str, second: int, status: str = "received") -> Message:
    parsed = parse_conversation(
        {
            "id": conv,
            "contact": {"name": f"Cliente {conv}"},
            "lastMessage": wire_message(mid, conv, second, status),
        }
    )
    assert isinstance(parsed, tuple) and parsed[1] is not None
    last = parsed[1]
    return last


def row(conv: str, last: Message) -> Conversation:
    parsed = parse_conversation(
        {
            "id": conv,
            "contact": {"name": f"Cliente {conv}", "phoneNumber": f"+39333000{conv}"},
            "lastMessage": wire_message(
                last.id, conv, int(last.timestamp[17:19]), last.status.value
            ),
        }
    )
    assert isinstance(parsed, tuple)
    return parsed[0]


def ticket_payload(tid: str, conv: str, status: str, updated: int) -> dict[str, Any]:
    return {
        "ticket": {
            "id": tid,
            "number": tid,
            "conversationId": conv,
            "contactId": conv,
            "title": "Guasto",
            "description": "",
            "status": status,
            "priority": "HIGH",
            "assigneeId": None,
            "createdAt": ts(1),
            "updatedAt": ts(updated),
        }
    }


def ticket(tid: str, conv: str, status: TicketStatus, updated: int) -> Ticket:
    return Ticket(
        id=tid,
        number=tid,
        conversation_id=conv,
        title="Guasto",
        status=status,
        priority=Priority.HIGH,
        contact_id=conv,
        created_at=ts(1),
        updated_at=ts(updated),
    )


async def no_call(event: str, data: Any, timeout: float) -> Any:
    raise AssertionError(f"no server call expected, got {event}")


def make_session(tmp_path: Path) -> tuple[Session, ClientState, Cache]:
    state = ClientState(own_user_id="1")
    cache = Cache(tmp_path / "cache.db")

    async def send(payload: Any) -> Any:
        raise AssertionError("nothing is sent")

    session = Session(state, cache, Outbox(cache, state, send), no_call)
    session.on_authenticated({"success": True, "user": {"id": "1"}, "cursor": 10})
    return session, state, cache


def seq(name: str, data: dict[str, Any], n: int) -> WireEvent:
    return WireEvent.of(name, {**data, "seq": n})


async def test_events_between_cursor_and_snapshot_are_applied_once(tmp_path: Path) -> None:
    """Cursor 10; then, before the lists were read: m2 arrived (seq 11), m1 was read (12),
    the ticket was resolved (13). The snapshot shows all three; sync replays 11..13."""
    session, state, cache = make_session(tmp_path)
    await cache.open()
    changes: list[StateChange] = []
    state.subscribe(changes.append)
    m2 = message("m2", "c1", 20)
    m3 = message("m3", "c2", 8)
    resolved = ticket("t1", "c1", TicketStatus.RESOLVED, 30)
    snapshot_rows = [row("c1", m2), row("c2", m3)]
    cache.put_snapshot(snapshot_rows, [m2, m3], ["m2", "m3"], [resolved])
    state.apply_snapshot(snapshot_rows, [m2, m3], [resolved])
    session.sequencer.snapshot_at(10)
    for unread in (m3, m2):
        state.announce_incoming(unread, replayed=True)

    replay = session.sequencer.sync_page(
        [
            seq("newMessage", wire_message("m2", "c1", 20), 11),
            seq("messageRead", {"messageId": "m1", "readBy": "2", "timestamp": ts(21)}, 12),
            seq("ticketUpdated", ticket_payload("t1", "c1", "RESOLVED", 30), 13),
            seq("newMessage", wire_message("m4", "c2", 40), 14),  # after the snapshot
        ],
        14,
    )
    session._apply_all(replay, replayed=True)
    await cache.flush()

    assert [c.id for c in state.conversations] == ["c2", "c1"]
    assert {c.id: c.unread_count for c in state.conversations} == {"c1": 1, "c2": 2}
    assert state.unread_ids("c1") == ["m2"] and state.unread_ids("c2") == ["m3", "m4"]
    assert state.tickets == {"t1": resolved}
    assert state.conversation("c1").ticket == resolved  # type: ignore[union-attr]
    announced = [c.message.id for c in changes if isinstance(c, IncomingMessage)]
    assert sorted(announced) == ["m2", "m3", "m4"]  # m2 once, although applied twice
    c1 = await cache.messages_page("c1", 10)
    assert [m.id for m in c1] == ["m2"]
    assert sorted(await cache.unread_index()) == [
        ("c1", "m2", ts(20)),
        ("c2", "m3", ts(8)),
        ("c2", "m4", ts(40)),
    ]
    assert [t.id for t in await cache.tickets()] == ["t1"]
    assert await cache.has_gap("c1") and await cache.has_gap("c2")
    await cache.close()


async def test_a_message_read_before_the_snapshot_ends_read_after_its_replay(
    tmp_path: Path,
) -> None:
    """m1 arrived (11) and was read (12) after the cursor: the snapshot says read, the
    replay applies it unread first and then read: it ends read, counted nowhere."""
    session, state, cache = make_session(tmp_path)
    await cache.open()
    m1 = message("m1", "c1", 5, "read")
    cache.put_snapshot([row("c1", m1)], [m1], [], [])
    state.apply_snapshot([row("c1", m1)], [], [])
    session.sequencer.snapshot_at(10)
    replay = session.sequencer.sync_page(
        [
            seq("newMessage", wire_message("m1", "c1", 5), 11),
            seq("messageRead", {"messageId": "m1", "readBy": "2", "timestamp": ts(6)}, 12),
        ],
        12,
    )
    session._apply_all(replay, replayed=True)
    await cache.flush()
    assert state.conversation("c1").unread_count == 0  # type: ignore[union-attr]
    assert state.total_unread == 0
    assert await cache.unread_index() == []
    cached = await cache.message("m1")
    assert cached is not None and cached.status is DeliveryStatus.READ
    await cache.close()


async def test_a_snapshot_over_a_stale_cache_replaces_rows_and_unread(tmp_path: Path) -> None:
    """A cache with rows but no seq (a first start that crashed before its seq was written):
    the state loaded from it is corrected by the snapshot, not added to."""
    _, state, cache = make_session(tmp_path)
    await cache.open()
    old = message("m1", "c1", 5)
    cache.put_messages([old])
    await cache.flush()
    state.load_conversations(await cache.conversations_page(10), await cache.unread_index())
    assert state.total_unread == 1
    changes: list[StateChange] = []
    state.subscribe(changes.append)

    m1_read = message("m1", "c1", 5, "read")
    m9 = message("m9", "c1", 50)
    state.apply_snapshot([row("c1", m9)], [m9], [])
    cache.put_snapshot([row("c1", m9)], [m9], ["m9"], [])
    await cache.flush()

    assert len(state.conversations) == 1 and not any(
        isinstance(c, ConversationsInserted) for c in changes
    )
    assert state.unread_ids("c1") == ["m9"] and state.conversations[0].unread_count == 1
    assert state.conversations[0].last_activity == m9.timestamp
    assert await cache.unread_index() == [("c1", "m9", ts(50))]
    cached = await cache.message("m1")
    assert cached is not None and cached.status is m1_read.status
    await cache.close()


def test_a_conversation_item_becomes_the_row_replaying_its_messages_would_give() -> None:
    """The server keeps the newest name a customer sent: the row's title when replaying."""
    last_wire = {
        **wire_message("42", "7", 9),
        "direction": "outgoing",
        "status": "sent",
        "senderName": None,
    }
    parsed = parse_conversation(
        {
            "id": "7",
            "contact": {
                "id": "3",
                "phoneNumber": "+393330007",
                "chatId": "x",
                "name": "Cliente 7",
                "isGroup": False,
            },
            "lastMessageAt": ts(9),
            "unreadCount": 1,
            "lastMessage": last_wire,
        }
    )
    assert isinstance(parsed, tuple)
    conv, last = parsed
    state = ClientState()
    state.apply_message(message("41", "7", 8))
    assert last is not None
    state.apply_message(last)
    replayed = state.conversation("7")
    assert replayed is not None
    fields = ("title", "phone", "is_group", "last_activity", "last_preview", "last_direction")
    assert [getattr(conv, f) for f in fields] == [getattr(replayed, f) for f in fields]
    assert conv.last_direction is Direction.OUTGOING


def test_preview_rows_are_replaced_in_place_by_the_snapshot() -> None:
    """The first page paints with the server's counts; the snapshot then derives them from
    the unread messages without inserting any row twice."""
    state = ClientState()
    m2, m3 = message("m2", "c1", 20), message("m3", "c2", 8)
    preview = [replace(row("c1", m2), unread_count=1), replace(row("c2", m3), unread_count=1)]
    state.preview_conversations(preview)
    assert [(c.id, c.unread_count) for c in state.conversations] == [("c1", 1), ("c2", 1)]
    changes: list[StateChange] = []
    state.subscribe(changes.append)
    state.apply_snapshot([row("c1", m2), row("c2", m3)], [m2, m3], [])
    state.preview_conversations(preview)  # a late duplicate page changes nothing
    assert not any(isinstance(c, ConversationsInserted) for c in changes)
    assert [(c.id, c.unread_count) for c in state.conversations] == [("c1", 1), ("c2", 1)]
    assert state.unread_ids("c1") == ["m2"] and state.total_unread == 2
