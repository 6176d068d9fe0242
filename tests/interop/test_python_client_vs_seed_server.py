"""Our desktop client's Socket.IO stack (python-socketio AsyncClient) against a Node socket.io v4
server that speaks only the seed events of PROTOCOL.md section 3 (node/seed_server.js).

How the client tells the seed back end from ours: the seed replies `authenticated` without a
`cursor` and never answers `sync` (it has no such event, so the ack never comes and `call()`
times out). Our client must then run in "seed profile": no resume, unread state rebuilt from
`unreadMessages` after every reconnect. The stand-in's own behaviour, point by point against
../shared/SEED_BACKEND.md, is checked in test_seed_standin.py; this module checks that our
Socket.IO stack carries it over both transports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from tests.interop.interop_node import SeedServer, wppconnect_message
from tests.interop.interop_sportello import PyClient

ClientFactory = Callable[..., Awaitable[PyClient]]

# Websocket only, and the default: long-polling first, then upgrade to websocket.
TRANSPORTS = [
    pytest.param(["websocket"], id="websocket"),
    pytest.param(None, id="polling-then-upgrade"),
]

UNREAD_FIELDS = {"id", "phoneNumber", "message", "timestamp", "type", "senderName"}
TEXT = "Buongiorno, la caldaia è in blocco: può venire già oggi? Grazie mille 🙏🔥"


async def authenticated_client(
    py_client: ClientFactory, seed_server: SeedServer, user_id: str, transports: list[str] | None
) -> PyClient:
    client = await py_client(seed_server.url, transports=transports)
    await client.emit("authenticate", {"userId": user_id})
    await client.wait_for("authenticated")
    return client


@pytest.mark.parametrize("transports", TRANSPORTS)
async def test_authenticate_gets_unread_messages_then_authenticated(
    seed_server: SeedServer, py_client: ClientFactory, transports: list[str] | None
) -> None:
    client = await py_client(seed_server.url, transports=transports)

    await client.emit("authenticate", {"userId": "7"})
    authenticated = await client.wait_for("authenticated")

    assert authenticated == {"success": True}  # no user, no cursor: nothing to resume from
    assert [name for name, _ in client.events] == ["unreadMessages", "authenticated"]
    unread = client.events[0][1]
    assert unread["count"] == 2
    assert [set(message) for message in unread["messages"]] == [UNREAD_FIELDS, UNREAD_FIELDS]
    assert unread["messages"][1]["message"] == "Buongiorno, la caldaia è in blocco da stamattina"
    assert unread["messages"][0]["message"].endswith("🙏")
    if transports is None:
        assert client.transport in ("polling", "websocket")
    else:
        assert client.transport == "websocket"


@pytest.mark.parametrize("transports", TRANSPORTS)
async def test_every_seed_event_arrives_with_its_payload_intact(
    seed_server: SeedServer, py_client: ClientFactory, transports: list[str] | None
) -> None:
    client = await authenticated_client(py_client, seed_server, "7", transports)
    colleague = await authenticated_client(py_client, seed_server, "12", ["websocket"])
    start = client.mark()

    sent = await seed_server.incoming_async(
        wppconnect_message(
            TEXT,
            name="Niccolò D'Alessandro",
            kind="image",
            caption="E04 ⚠️",
            deprecatedMms3Url="https://media.example.invalid/caldaia-è-rotta.jpg",
        )
    )
    await colleague.emit("markAsRead", {"messageId": sent["id"], "userId": "12"})
    await colleague.emit("typing", {"to": "7", "userId": "12"})
    await colleague.emit("stopTyping", {"to": "7", "userId": "12"})
    await seed_server.message_status_async(sent["id"], "delivered")

    new = await client.wait_for("newMessage", start=start)
    assert new["message"] == TEXT and new["senderName"] == "Niccolò D'Alessandro"
    assert new["media"] == {
        "type": "image",
        "caption": "E04 ⚠️",
        "url": "https://media.example.invalid/caldaia-è-rotta.jpg",
    }
    update = await client.wait_for("messageUpdate", start=start)
    assert update == {
        "type": "new",
        "message": {k: v for k, v in new.items() if k != "notification"},
    }
    read = await client.wait_for("messageRead", start=start)
    assert read["messageId"] == sent["id"] and read["readBy"] == "12"
    assert (await client.wait_for("userTyping", start=start))["from"] == "12"
    assert await client.wait_for("userStoppedTyping", start=start) == {"from": "12"}
    status = await client.wait_for("messageStatusUpdate", start=start)
    assert status["status"] == "delivered"
    # Two senders (the colleague's socket, the seed itself): only each one's order is fixed.
    received = [name for name, _ in client.events[start:]]
    assert sorted(received) == sorted(
        [
            "newMessage",
            "messageUpdate",
            "messageRead",
            "userTyping",
            "userStoppedTyping",
            "messageStatusUpdate",
        ]
    )
    assert received.index("newMessage") < received.index("messageUpdate")


async def test_mark_as_read_reaches_seed_and_is_broadcast_as_message_read(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    reader = await authenticated_client(py_client, seed_server, "7", ["websocket"])
    colleague = await authenticated_client(py_client, seed_server, "12", None)
    start = seed_server.mark()

    await reader.emit("markAsRead", {"messageId": "seed_msg_1", "userId": "7"})

    record = await seed_server.wait_for_recv_async("markAsRead", start=start)
    assert record["data"] == {"messageId": "seed_msg_1", "userId": "7"}
    for client in (reader, colleague):
        read = await client.wait_for("messageRead")
        assert read["messageId"] == "seed_msg_1"
        assert read["readBy"] == "7"
        assert read["timestamp"].endswith("Z")
    latecomer = await authenticated_client(py_client, seed_server, "21", ["websocket"])
    unread = latecomer.events[0][1]
    assert unread["count"] == 1
    assert [message["id"] for message in unread["messages"]] == ["seed_msg_2"]


async def test_seed_server_counts_connected_sockets_and_user_rooms(
    seed_server: SeedServer, py_client: ClientFactory
) -> None:
    await py_client(seed_server.url, transports=["websocket"])
    await authenticated_client(py_client, seed_server, "7", ["websocket"])

    assert await asyncio.to_thread(seed_server.clients) == {"connected": 2, "rooms": {"user:7": 1}}
