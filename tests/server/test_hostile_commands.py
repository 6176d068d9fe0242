"""Every client command, every argument, hostile types and sizes: a clear refusal, never a
crash, never a replay from a guessed cursor.

A real server on loopback; each command is sent with its valid arguments where one field
at a time is replaced by a hostile value, and with payloads that are no object at all.
Sent as bare frames (raw_socket.py): python-socketio's client cannot even encode a lone
surrogate, which any JSON sender can write as "\\ud800".
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.server.raw_socket import RawSocket
from tests.server.server_harness import Client, connect_operator, post_wpp
from tests.support.payloads import wpp_message

# JSON can carry each of these; python-socketio's client sends NaN as NaN (Python's
# json accepts it, so the server sees a float nan).
HOSTILE: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    float("nan"),
    10**30,
    -(10**30),
    2**63,
    "",
    " ",
    "x" * 70_000,
    "²",
    "١٢",
    "1e3",
    "0x10",
    "\ud800",
    "\udfff",
    "a\x00b",
    "\x00",
    [],
    [1],
    ["disconnect"],
    {},
    {"$gt": 0},
    [[[[[[[[[[[]]]]]]]]]]],
]
NOT_OBJECTS: list[Any] = [None, True, 7, 1.5, "sync", "\ud800", [], [{"since": 0}]]


def _assert_clear(command: str, sent: Any, ack: Any) -> None:
    """An ack, and when it refuses: error {code, message} and the same top-level code."""
    where = f"{command} {sent!r:.80}"
    assert isinstance(ack, dict), f"{where}: no ack object: {ack!r:.200}"
    if ack.get("ok") is True or "events" in ack:
        return
    assert ack.get("ok") is False, f"{where}: {ack!r:.200}"
    error = ack["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message"}, f"{where}: {ack!r:.200}"
    assert isinstance(error["message"], str) and error["message"], where
    assert ack["code"] == error["code"] and error["code"] != "internal_error", f"{where}: {ack}"


@pytest.fixture
async def desk(
    any_db_replying_server, http
) -> AsyncIterator[tuple[RawSocket, Client, dict[str, str]]]:
    """On SQLite and on PostgreSQL (which refuses NUL): Giulia (bare frames) and Marco
    connected, and the ids of a real message, conversation and ticket."""
    server = any_db_replying_server
    marco = await connect_operator(server, server.operators["marco"])
    giulia = RawSocket(http, server.url)
    assert (await giulia.open({"token": server.operators["giulia"].token})).startswith("40/")
    await post_wpp(http, server, wpp_message(body="Caldaia rotta, aiuto"))
    message = await marco.wait_for("newMessage")
    created = await marco.wait_for("ticketCreated")
    ids = {
        "message": message["id"],
        "conversation": message["conversationId"],
        "ticket": created["ticket"]["id"],
        "marco": server.operators["marco"].id,
    }
    yield giulia, marco, ids
    await giulia.close()
    await marco.close()


def _valid(command: str, ids: dict[str, str]) -> dict[str, Any]:
    return {
        "markAsRead": {"messageId": ids["message"]},
        "sendMessage": {
            "clientId": str(uuid.uuid4()),
            "body": "Arriviamo",
            "conversationId": ids["conversation"],
        },
        "updateTicket": {"ticketId": ids["ticket"], "priority": "HIGH"},
        "createTicket": {"messageId": ids["message"], "title": "A mano"},
        "sync": {"since": 0},
        "viewConversation": {"conversationId": ids["conversation"]},
        "deskState": {},
    }[command]


EXTRA_FIELDS = {
    "sendMessage": ["to"],
    "updateTicket": ["status", "assigneeId"],
    "createTicket": ["priority"],
    "sync": ["limit"],
}


@pytest.mark.parametrize(
    "command",
    [
        "markAsRead",
        "sendMessage",
        "updateTicket",
        "createTicket",
        "sync",
        "viewConversation",
        "deskState",
    ],
)
async def test_hostile_arguments_get_a_clear_ack(desk, command, caplog) -> None:
    giulia, marco, ids = desk
    caplog.set_level(logging.ERROR)
    fields = [*_valid(command, ids), *EXTRA_FIELDS.get(command, [])]
    for field in fields:
        for value in HOSTILE:
            payload = {**_valid(command, ids), field: value}
            _assert_clear(command, payload, await giulia.call(command, payload))
    for payload in NOT_OBJECTS:
        _assert_clear(command, payload, await giulia.call(command, payload))
    _assert_clear(
        command, "two arguments", await giulia.call(command, _valid(command, ids), "more")
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    # Both sockets still work after all that.
    assert "events" in await marco.call("sync", {"since": 0})
    assert "events" in await giulia.call("sync", {"since": 0})


async def test_hostile_typing_reaches_colleagues_as_text_they_can_read(desk, caplog) -> None:
    giulia, marco, _ = desk
    caplog.set_level(logging.ERROR)
    for event in ("typing", "stopTyping"):
        for field in ("conversationId", "to"):
            for value in HOSTILE:
                await giulia.emit(event, {field: value})
        for payload in NOT_OBJECTS:
            await giulia.emit(event, payload)
    await giulia.emit("typing", {"conversationId": "casa\ud800di\x00Mario"})
    seen = await marco.wait_for("userTyping", lambda t: "Mario" in str(t.get("conversationId")))
    assert seen["conversationId"] == "casa\ufffddi\ufffdMario"
    assert "events" in await giulia.call("sync", {"since": 0})  # after every emit above
    assert "events" in await marco.call("sync", {"since": 0})
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


@pytest.mark.parametrize("token", [v for v in HOSTILE if v is not None], ids=repr)
async def test_hostile_handshake_tokens_are_refused_plainly(server, http, token) -> None:
    raw = RawSocket(http, server.url)
    try:
        answer = await raw.open({"token": token})
        assert answer == '44/whatsapp,{"message":"unauthorized"}', answer
    finally:
        await raw.close()


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
async def test_hostile_authenticate_is_refused_plainly(make_server, http, value) -> None:
    # Legacy auth on: `userId` is read too (from loopback, as here).
    server = await make_server(allow_legacy_auth=True)
    for field in ("token", "userId"):
        raw = RawSocket(http, server.url)
        try:
            await raw.open()
            await raw.emit("authenticate", {field: value})
            answer = await raw.until_event("authenticated")
            assert answer["success"] is False and answer["error"], answer
            await raw.until(lambda f: f.startswith("41/whatsapp,"))
        finally:
            await raw.close()


SINCE_REFUSED: list[Any] = [
    "missing",
    None,
    "5",
    "",
    True,
    False,
    -1,
    1.5,
    1.0,
    float("nan"),
    float("inf"),
    10**30,
    2**63,
    [0],
    {"seq": 0},
]


@pytest.mark.parametrize("since", SINCE_REFUSED, ids=repr)
async def test_sync_with_a_bad_since_is_refused_not_replayed(desk, since) -> None:
    giulia, _, _ = desk
    payload = {} if since == "missing" else {"since": since}
    ack = await giulia.call("sync", payload)
    assert ack["ok"] is False and ack["code"] == "invalid_since", ack
    assert ack["error"]["code"] == "invalid_since" and "since" in ack["error"]["message"]
    assert "events" not in ack


async def test_sync_without_any_payload_is_refused(desk) -> None:
    giulia, _, _ = desk
    ack = await giulia.call("sync")
    assert ack["code"] == "invalid_since"


async def test_sync_accepts_zero_and_the_largest_seq(desk) -> None:
    giulia, _, _ = desk
    page = await giulia.call("sync", {"since": 0})
    assert sorted(e["event"] for e in page["events"]) == ["newMessage", "ticketCreated"]
    top = 2**63 - 1
    assert await giulia.call("sync", {"since": top}) == {"events": [], "cursor": top, "more": False}


async def test_a_reply_with_nul_and_a_lone_surrogate_is_stored_the_same_on_both_engines(
    desk,
) -> None:
    giulia, marco, ids = desk
    ack = await giulia.call(
        "sendMessage",
        {
            "clientId": "cut-emoji",
            "body": "Arrivo\x00 ora\ud83d",
            "conversationId": ids["conversation"],
        },
    )
    assert ack["ok"] is True and ack["message"]["message"] == "Arrivo\ufffd ora\ufffd", ack
    seen = await marco.wait_for("newMessage", lambda m: m["id"] == ack["message"]["id"])
    assert seen["message"] == "Arrivo\ufffd ora\ufffd"
    page = await marco.call("sync", {"since": 0})
    assert "Arrivo\ufffd ora\ufffd" in [e["data"].get("message") for e in page["events"]]
