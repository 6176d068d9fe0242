"""Sorting a chat read back from WPPConnect against the store: what to ingest (as the
onmessage webhooks would have brought it), which acks move our replies, what to leave."""

from __future__ import annotations

from typing import Any

from sportello.domain.values import DeliveryStatus, Direction
from sportello.ingest.reconciled import arrived_offline
from sportello.server.readback_messages import missing_from
from sportello.store.gateway_history import KnownMessage

CHAT = "393471112222@c.us"
ME = "393331234567@c.us"
T = 1_800_000_000  # epoch seconds, 2027


def readback(
    key: str, t: int, *, from_me: bool = False, ack: int = 1, **extra: Any
) -> dict[str, Any]:
    """A message as get-messages serializes it (the fields the parser reads), `t` s after T."""
    return {
        "id": f"{'true' if from_me else 'false'}_{CHAT}_{key}",
        "from": ME if from_me else CHAT,
        "to": CHAT if from_me else ME,
        "chatId": CHAT,
        "type": "chat",
        "body": f"testo {key}",
        "t": T + t,
        "fromMe": from_me,
        "ack": ack,
        "notifyName": "" if from_me else "Mario Rossi",
        **extra,
    }


def test_unknown_messages_are_parsed_marked_and_in_order() -> None:
    messages = [readback("A", 100), readback("B", 101, from_me=True, ack=2), readback("C", 102)]

    found = missing_from(messages, {}, session="office", since=0, live_after=None)

    assert [m.body for m in found.messages] == ["testo A", "testo B", "testo C"]
    assert [m.direction for m in found.messages] == [
        Direction.INCOMING,
        Direction.OUTGOING,
        Direction.INCOMING,
    ]
    assert all(arrived_offline(m.raw) and m.account == "office" for m in found.messages)
    # typed on the phone, stored as `sent`: its ack 2 says delivered
    assert [(s.gateway_message_id, s.status) for s in found.statuses] == [
        (messages[1]["id"], DeliveryStatus.DELIVERED)
    ]


def test_known_replies_get_the_acks_that_move_them_forward_only() -> None:
    read, delivered, stale = (
        readback("A", 100, from_me=True, ack=3),
        readback("B", 101, from_me=True, ack=2),
        readback("C", 102, from_me=True, ack=1),
    )
    known = {
        read["id"]: KnownMessage(Direction.OUTGOING, DeliveryStatus.DELIVERED),
        delivered["id"]: KnownMessage(Direction.OUTGOING, DeliveryStatus.DELIVERED),
        stale["id"]: KnownMessage(Direction.OUTGOING, DeliveryStatus.READ),
    }

    found = missing_from(
        [read, delivered, stale], known, session="office", since=0, live_after=None
    )

    assert found.messages == []
    assert [(s.gateway_message_id, s.status) for s in found.statuses] == [
        (read["id"], DeliveryStatus.READ)
    ]


def test_history_before_the_window_is_left_and_the_newest_wait_for_their_webhooks() -> None:
    messages = [
        readback("OLD", 50),
        readback("IN", 100),
        readback("LIVE1", 205),
        readback("LIVE2", 201),
    ]

    found = missing_from(messages, {}, session="office", since=T + 100, live_after=T + 200)

    assert [m.body for m in found.messages] == ["testo IN"]
    assert found.deferred == 2 and found.oldest_deferred == T + 201


def test_what_the_webhook_path_would_refuse_or_ignore_is_not_ingested() -> None:
    broken = readback("X", 100)
    broken["id"] = f"false_{CHAT}_\ud83d"  # an identity no store can hold
    system = readback("Y", 101, type="e2e_notification")
    status = readback("Z", 102, **{"from": "status@broadcast"})

    found = missing_from([broken, system, status], {}, session="office", since=0, live_after=None)

    assert found.messages == [] and found.refused == 1
