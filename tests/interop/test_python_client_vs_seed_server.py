"""Our desktop client's Socket.IO stack (python-socketio AsyncClient) against a Node socket.io v4
server that speaks only the seed events of PROTOCOL.md section 3 (node/seed_server.js).

How the client tells the seed back end from ours: the seed replies `authenticated` without a
`cursor` and never answers `sync` (it has no such event, so the ack never comes and `call()`
times out). Our client must then run in "seed profile": no resume, unread state rebuilt from
`unreadMessages` after every reconnect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import socketio
from interop_node import SeedServer
from interop_sportello import PyClient, http_json

ClientFactory = Callable[..., Awaitable[PyClient]]

# Websocket only, and the default: long-polling first, then upgrade to websocket.
TRANSPORTS = [
    pytest.param(["websocket"], id="websocket"),
    pytest.param(None, id="polling-then-upgrade"),
]

UNREAD_FIELDS = {"id", "phoneNumber", "message", "timestamp", "type", "senderName"}

NEW_MESSAGE = {
    "id": "false_393331234567@c.us_3EB0C767D26A1B2F9A11",
    "from": "393331234567@c.us",
    "phoneNumber": "393331234567",
    "message": "Buongiorno, la caldaia è in blocco: può venire già oggi? Grazie mille 🙏🔥",
    "timestamp": "2024-05-06T09:15:42.000Z",
    "type": "image",
    "isGroup": False,
    "senderName": "Niccolò D'Alessandro",
    "media": {
        "type": "image",
        "url": "https://media.example.invalid/caldaia-è-rotta.jpg",
        "caption": "Così è il display — errore E04 ⚠️",
    },
    "notification": {
        "title": "Nuovo messaggio da Niccolò D'Alessandro",
        "body": "Buongiorno, la caldaia è in blocco: può venire già oggi? Grazie mille 🙏🔥",
        "icon": "/icons/whatsapp.png",
        "sound": "default",
    },
}

OTHER_SEED_EVENTS: list[tuple[str, dict[str, Any]]] = [
    (
        "messageRead",
        {"messageId": NEW_MESSAGE["id"], "readBy": "12", "timestamp": "2024-05-06T09:16:00.000Z"},
    ),
    (
        "userTyping",
        {"from": "393331234567", "timestamp": "2024-05-06T09:16:05.000Z", "conversationId": "c-1"},
    ),
    ("userStoppedTyping", {"from": "393331234567", "conversationId": "c-1"}),
    (
        "messageStatusUpdate",
        {"messageId": "true_393331234567@c.us_3EB0AA", "status": "delivered",
         "timestamp": "2024-05-06T09:17:00.000Z"},
    ),
    (
        "messageStatusUpdate",
        {"messageId": "true_393331234567@c.us_3EB0AB", "status": "failed",
         "timestamp": "2024-05-06T09:17:01.000Z", "error": "Numero non valido è già segnalato"},
    ),
    (
        "messageUpdate",
        {"type": "status", "message": {"id": "true_393331234567@c.us_3EB0AA",
                                        "status": "delivered", "message": "Arriviamo alle 15 👍"}},
    ),
]  # fmt: skip


def equal_to(want: Any) -> Callable[[Any], bool]:
    return lambda got: bool(got == want)


async def authenticated_client(
    py_client: ClientFactory, seed_server: SeedServer, user_id: str, transports: list[str] | None
) -> PyClient:
    client = await py_client(seed_server.url, transports=transports)
    await client.emit("authenticate", {"userId": user_id})
    await client.wait_for("unreadMessages")
    return client


@pytest.mark.parametrize("transports", TRANSPORTS)
async def test_authenticate_gets_authenticated_then_unread_messages(
    seed_server: SeedServer, py_client: ClientFactory, transports: list[str] | None
) -> None:
    client = await py_client(seed_server.url, transports=transports)

    await client.emit("authenticate", {"userId": "7"})
    authenticated = await client.wait_for("authenticated")
    unread = await client.wait_for("unreadMessages")

    assert authenticated == {
        "success": True,
        "user": {"id": "7", "name": "Operatore 7", "role": "operator"},
    }
    assert "cursor" not in authenticated  # the seed has no event log to resume from
    names = [name for name, _ in client.events]
    assert names.index("authenticated") < names.index("unreadMessages")
    assert unread["count"] == 2
    assert [set(message) for message in unread["messages"]] == [UNREAD_FIELDS, UNREAD_FIELDS]
    assert unread["messages"][0]["message"] == "Buongiorno, la caldaia è in blocco da stamattina"
    assert unread["messages"][1]["message"].endswith("🙏")
    if transports is None:
        assert client.transport in ("polling", "websocket")
    else:
        assert client.transport == "websocket"


@pytest.mark.parametrize("transports", TRANSPORTS)
async def test_every_seed_event_arrives_with_its_payload_intact(
    seed_server: SeedServer, py_client: ClientFactory, transports: list[str] | None
) -> None:
    client = await authenticated_client(py_client, seed_server, "7", transports)
    start = client.mark()

    assert await seed_server.emit_async("newMessage", NEW_MESSAGE) == 1
    for event, data in OTHER_SEED_EVENTS:
        await seed_server.emit_async(event, data)

    assert await client.wait_for("newMessage", start=start) == NEW_MESSAGE
    for event, data in OTHER_SEED_EVENTS:
        assert await client.wait_for(event, equal_to(data), start=start) == data
    received = [name for name, _ in client.events[start:]]
    assert received == ["newMessage", *[event for event, _ in OTHER_SEED_EVENTS]]


async def test_mark_as_read_reaches_seed_and_is_broadcast_as_message_read(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    reader = await authenticated_client(py_client, seed_server, "7", ["websocket"])
    colleague = await authenticated_client(py_client, seed_server, "12", None)
    start = seed_server.mark()

    # The seed may or may not ack markAsRead; ours does. The stand-in acks when asked.
    ack = await reader.call("markAsRead", {"messageId": "seed_msg_1"})

    assert ack == {"ok": True}
    record = await seed_server.wait_for_recv_async("markAsRead", start=start)
    assert record["data"] == {"messageId": "seed_msg_1"}
    assert record["ack"] is True
    for client in (reader, colleague):
        read = await client.wait_for("messageRead")
        assert read["messageId"] == "seed_msg_1"
        assert read["readBy"] == "7"
        assert read["timestamp"].endswith("Z")
    latecomer = await py_client(seed_server.url, transports=["websocket"])
    await latecomer.emit("authenticate", {"userId": "21"})
    unread = await latecomer.wait_for("unreadMessages")
    assert unread["count"] == 1
    assert [message["id"] for message in unread["messages"]] == ["seed_msg_2"]


async def test_typing_is_relayed_to_colleagues_only(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    typist = await authenticated_client(py_client, seed_server, "7", ["websocket"])
    colleague = await authenticated_client(py_client, seed_server, "12", ["websocket"])

    await typist.emit("typing", {"to": "393331234567", "conversationId": "c-1"})
    await typist.emit("stopTyping", {"to": "393331234567", "conversationId": "c-1"})

    typing = await colleague.wait_for("userTyping")
    stopped = await colleague.wait_for("userStoppedTyping")
    assert typing["from"] == "7"
    assert typing["conversationId"] == "c-1"
    assert typing["timestamp"].endswith("Z")
    assert stopped == {"from": "7", "conversationId": "c-1"}
    await seed_server.wait_for_recv_async("stopTyping")
    assert [name for name, _ in typist.events if name.startswith("user")] == []


@pytest.mark.parametrize(
    ("event", "data"),
    [
        ("sync", {"since": 0}),
        ("sendMessage", {"clientId": "c1", "to": "393331234567", "body": "Arriviamo alle 15"}),
        ("updateTicket", {"ticketId": "1", "status": "IN_PROGRESS"}),
    ],
)
async def test_events_the_seed_lacks_are_never_acked(
    seed_server: SeedServer, py_client: ClientFactory, event: str, data: dict[str, Any]
) -> None:
    client = await authenticated_client(py_client, seed_server, "7", ["websocket"])
    start = seed_server.mark()

    # This timeout is how our client recognizes the seed profile (no `sync` => no resume).
    with pytest.raises(socketio.exceptions.TimeoutError):
        await client.call(event, data, timeout=1.0)

    record = await seed_server.wait_for_recv_async(event, start=start)
    assert record["data"] == data
    assert record["ack"] is True
    assert client.sio.connected  # an unknown event is ignored, not a reason to disconnect


def test_seed_has_no_rest_api(seed_server: SeedServer) -> None:
    for path in ("/health", "/api/conversations", "/api/tickets"):
        status, _ = http_json("GET", f"{seed_server.url}{path}")
        assert status == 404, path


async def test_seed_server_counts_connected_and_authenticated_clients(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    await py_client(seed_server.url, transports=["websocket"])
    await authenticated_client(py_client, seed_server, "7", ["websocket"])

    assert await asyncio.to_thread(seed_server.clients) == {"connected": 2, "authenticated": 1}
