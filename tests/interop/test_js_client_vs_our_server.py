"""A socket.io-client v4 (the JavaScript client the seed back end's web front end uses) against
OUR server, checked against PROTOCOL.md sections 2 and 3: token auth, the seed events with
every seed field, and our additions (`seq`, `cursor`, `sync`).

Skips only while src/sportello/server/run.py does not exist; once our server lands these run.
"""

from __future__ import annotations

import asyncio
import re
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.interop.interop_node import NodeClient
from tests.interop.interop_sportello import PyClient, RunningServer
from tests.support.sportello_server import server_module_missing

pytestmark = pytest.mark.skipif(
    server_module_missing(), reason="sportello.server.run does not exist yet: server not landed"
)

NodeFactory = Callable[..., NodeClient]
PyFactory = Callable[..., Awaitable[PyClient]]

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
SEED_NEW_MESSAGE_FIELDS = {
    "id",
    "from",
    "phoneNumber",
    "message",
    "timestamp",
    "type",
    "isGroup",
    "senderName",
    "notification",
}
OUR_NEW_MESSAGE_FIELDS = {"conversationId", "ticketId", "direction", "status", "seq"}
TRANSPORTS = [
    pytest.param(["websocket"], id="websocket"),
    pytest.param(None, id="polling-then-upgrade"),
]
BODY = "Buongiorno, la caldaia è in blocco"


def wppconnect_onmessage(t: int, body: str = BODY) -> dict[str, Any]:
    """An incoming chat message as WPPConnect Server posts it (fromMe false => `false_` id)."""
    return {
        "event": "onmessage",
        "session": "default",
        "id": "false_393331234567@c.us_3EB0C767D26A1B2F9A11",
        "body": body,
        "from": "393331234567@c.us",
        "to": "390612345678@c.us",
        "fromMe": False,
        "type": "chat",
        "t": t,
        "notifyName": "Mario Rossi",
        "sender": {"pushname": "Mario Rossi", "id": "393331234567@c.us"},
        "isGroupMsg": False,
    }


def assert_iso_utc(value: Any, field: str) -> datetime:
    assert isinstance(value, str) and ISO_UTC.match(value), (
        f"{field}: not ISO 8601 UTC Z: {value!r}"
    )
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def assert_seq(value: Any, field: str = "seq") -> int:
    assert isinstance(value, int) and not isinstance(value, bool), f"{field}: {value!r}"
    return value


def start_authenticated_js(
    node_client: NodeFactory, server: RunningServer, index: int, transports: list[str] | None
) -> tuple[NodeClient, dict[str, Any], dict[str, Any]]:
    operator = server.operators[index]
    client = node_client(
        server.url, token=operator.token, user_id=operator.id, transports=transports
    )
    client.wait_connected()
    authenticated = client.wait_event("authenticated")
    unread = client.wait_event("unreadMessages")
    return client, authenticated, unread


@pytest.mark.parametrize("transports", TRANSPORTS)
async def test_js_client_gets_seed_events_with_every_seed_field(
    our_server: RunningServer,
    node_client: NodeFactory,
    py_client: PyFactory,
    transports: list[str] | None,
) -> None:
    giulia, marco = our_server.operators
    js, authenticated, unread = await asyncio.to_thread(
        start_authenticated_js, node_client, our_server, 0, transports
    )

    assert authenticated["success"] is True
    assert authenticated["user"] == {"id": giulia.id, "name": "giulia", "role": "operator"}
    cursor = assert_seq(authenticated.get("cursor"), "authenticated.cursor")
    assert unread == {"count": 0, "messages": []}

    sent_at = int(time.time()) - 5
    mark = js.mark()
    status, answer = await asyncio.to_thread(
        our_server.post_webhook, "/webhooks/wppconnect", wppconnect_onmessage(sent_at)
    )
    assert status == 200, answer
    message = await js.wait_event_async("newMessage", start=mark)

    missing = (SEED_NEW_MESSAGE_FIELDS | OUR_NEW_MESSAGE_FIELDS) - set(message)
    assert not missing, f"newMessage lacks {sorted(missing)}: {message}"
    assert isinstance(message["id"], str) and message["id"]
    assert "393331234567" in message["from"]
    assert message["phoneNumber"].lstrip("+") == "393331234567"
    assert message["message"] == BODY
    when = assert_iso_utc(message["timestamp"], "newMessage.timestamp")
    assert when == datetime.fromtimestamp(sent_at, UTC)
    assert message["type"] == "text"
    assert message["isGroup"] is False
    assert message["senderName"] == "Mario Rossi"
    assert message.get("media") is None
    notification = message["notification"]
    assert set(notification) >= {"title", "body", "icon", "sound", "soundName"}, notification
    assert notification["sound"] is True  # the seed's boolean: a seed-style client tests it
    assert isinstance(notification["title"], str) and notification["title"]
    assert isinstance(notification["body"], str) and notification["body"]
    assert isinstance(message["conversationId"], str) and message["conversationId"]
    # "in blocco" is a default keyword: the message opens a ticket and is linked to it.
    assert isinstance(message["ticketId"], str) and message["ticketId"]
    assert message["direction"] == "incoming"
    assert isinstance(message["status"], str)
    message_seq = assert_seq(message["seq"])
    assert message_seq > cursor
    update = await js.wait_event_async("messageUpdate", start=mark)
    assert update["type"] == "new"
    assert update["message"]["id"] == message["id"]
    assert update["message"]["message"] == BODY
    assert_seq(update["seq"])
    # The gateway retries: same message id again, 200 again, and no second notification.
    status, answer = await asyncio.to_thread(
        our_server.post_webhook, "/webhooks/wppconnect", wppconnect_onmessage(sent_at)
    )
    assert status == 200, answer

    reader = await py_client(our_server.url, token=marco.token, transports=["websocket"])
    await reader.emit("authenticate", {"userId": marco.id, "token": marco.token})
    assert (await reader.wait_for("authenticated"))["success"] is True
    reader_unread = await reader.wait_for("unreadMessages")
    assert reader_unread["count"] == 1
    assert [m["id"] for m in reader_unread["messages"]] == [message["id"]]
    mark = js.mark()
    ack = await reader.call("markAsRead", {"messageId": message["id"]})
    assert ack == {"ok": True}

    read = await js.wait_event_async("messageRead", start=mark)
    assert read["messageId"] == message["id"]
    assert read["readBy"] == marco.id
    assert_iso_utc(read["timestamp"], "messageRead.timestamp")
    assert assert_seq(read["seq"]) > message_seq
    # Events go out in seq order and messageRead came after the retry was answered: had the
    # retry notified, its newMessage would have arrived before messageRead.
    assert [m["id"] for _, m in js.events("newMessage")] == [message["id"]]


async def test_js_client_resumes_with_sync_from_its_cursor(
    our_server: RunningServer, node_client: NodeFactory
) -> None:
    js, authenticated, _ = await asyncio.to_thread(
        start_authenticated_js, node_client, our_server, 0, ["websocket"]
    )
    cursor = assert_seq(authenticated["cursor"], "authenticated.cursor")
    mark = js.mark()
    status, _ = await asyncio.to_thread(
        our_server.post_webhook, "/webhooks/wppconnect", wppconnect_onmessage(int(time.time()))
    )
    assert status == 200
    live = await js.wait_event_async("newMessage", start=mark)

    page = await asyncio.to_thread(js.call, "sync", {"since": cursor})

    assert set(page) >= {"events", "cursor", "more"}, page
    assert page["more"] is False
    replayed = [entry["data"] for entry in page["events"] if entry["event"] == "newMessage"]
    assert [m["id"] for m in replayed] == [live["id"]]
    assert replayed[0]["seq"] == live["seq"]
    seqs = [assert_seq(entry["data"]["seq"]) for entry in page["events"]]
    assert seqs == sorted(set(seqs)) and seqs[0] > cursor
    assert page["cursor"] == seqs[-1]
    empty = await asyncio.to_thread(js.call, "sync", {"since": page["cursor"]})
    assert empty["events"] == [] and empty["more"] is False


def test_js_client_with_a_bad_token_is_refused_as_unauthorized(
    our_server: RunningServer, node_client: NodeFactory
) -> None:
    js = node_client(our_server.url, token="not-a-real-token", user_id="1")

    refused = js.wait_for(lambda line: line.kind in ("CONNECT_ERROR", "EVENT"))

    assert refused.kind == "CONNECT_ERROR", refused.raw
    assert refused.data["message"] == "unauthorized"


async def test_colleague_typing_reaches_js_client_but_not_the_typist(
    our_server: RunningServer, node_client: NodeFactory, py_client: PyFactory
) -> None:
    _, marco = our_server.operators
    js, _, _ = await asyncio.to_thread(
        start_authenticated_js, node_client, our_server, 0, ["websocket"]
    )
    typist = await py_client(our_server.url, token=marco.token, transports=["websocket"])
    await typist.emit("authenticate", {"userId": marco.id, "token": marco.token})
    await typist.wait_for("unreadMessages")
    mark = js.mark()

    await typist.emit("typing", {"to": "393331234567", "conversationId": "c-1"})
    await typist.emit("stopTyping", {"to": "393331234567", "conversationId": "c-1"})

    typing = await js.wait_event_async("userTyping", start=mark)
    stopped = await js.wait_event_async("userStoppedTyping", start=mark)
    assert typing["from"] == marco.id
    assert_iso_utc(typing["timestamp"], "userTyping.timestamp")
    assert stopped["from"] == marco.id
    assert [name for name, _ in typist.events if name.startswith("user")] == []


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [("http://localhost:5193", True), ("http://sito-estraneo.example", False)],
)
def test_cors_lets_the_web_front_end_origin_open_a_socket(
    our_server: RunningServer, origin: str, allowed: bool
) -> None:
    # The seed's web front end runs in a browser: its polling handshake carries an Origin.
    url = f"{our_server.url}/socket.io/?EIO=4&transport=polling"
    request = urllib.request.Request(url, headers={"Origin": origin})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            status, allow = response.status, response.headers.get("Access-Control-Allow-Origin")
    except urllib.error.HTTPError as exc:
        status, allow = exc.code, exc.headers.get("Access-Control-Allow-Origin")

    if allowed:
        assert (status, allow) == (200, origin)
    else:
        assert status >= 400 or allow not in (origin, "*"), (status, allow)
