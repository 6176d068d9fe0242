"""Issue 8 on a real server: presence, assignee-only replies, the 24-hour window,
ticket openings, gateway health and unsupported messages, with real Socket.IO clients."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from tests.fakes.fake_gateway import FakeGateway, sign_meta
from tests.server.server_harness import META_APP_SECRET, Client, RunningServer, post, post_wpp
from tests.support.payloads import wpp_message

Connect = Callable[[RunningServer, str], Awaitable[Client]]
Factory = Callable[..., Awaitable[RunningServer]]
DAY = 24 * 3600


async def post_meta(http: aiohttp.ClientSession, server: RunningServer, body: Any) -> Any:
    raw = json.dumps(body).encode()
    status, answer = await post(
        http,
        f"{server.url}/webhooks/meta",
        body,
        raw=raw,
        headers={"X-Hub-Signature-256": sign_meta(raw, META_APP_SECRET)},
    )
    assert status == 200, answer
    return answer


async def customer_writes(
    http: aiohttp.ClientSession, server: RunningServer, body: str, **kwargs: Any
) -> str:
    status, answer = await post_wpp(http, server, wpp_message(body=body, **kwargs))
    assert status == 200, answer
    return str(answer["messages"][0]["id"])


async def conversation_of(client: Client, message_id: str) -> str:
    message = await client.wait_for("newMessage", lambda m: m["id"] == message_id)
    return str(message["conversationId"])


def names(entries: list[dict[str, str]]) -> list[str]:
    return [entry["name"] for entry in entries]


@pytest.fixture
async def gateway() -> Any:
    """Both send APIs on loopback: replies are refused at once by a server without one."""
    async with FakeGateway() as gw:
        yield gw


def replying(gw: FakeGateway) -> dict[str, Any]:
    """The flags that give a server WPPConnect and Cloud API senders."""
    return {
        "wppconnect_url": gw.wpp_base_url,
        "wppconnect_session": gw.session,
        "wppconnect_token": gw.wpp_token,
        "meta_phone_number_id": gw.phone_number_id,
        "meta_access_token": gw.meta_token,
        "meta_graph_url": gw.meta_base_url,
    }


async def test_colleague_sees_who_views_and_types_and_it_ends_on_disconnect(
    make_server: Factory, connect: Connect, http: aiohttp.ClientSession
) -> None:
    server = await make_server()
    giulia, marco = await connect(server, "giulia"), await connect(server, "marco")
    conversation = await conversation_of(marco, await customer_writes(http, server, "Salve"))

    ack = await giulia.call("viewConversation", {"conversationId": conversation})
    assert ack["ok"] is True and names(ack["presence"]["viewers"]) == ["Giulia"]
    seen = await marco.wait_for(
        "presence", lambda p: p["conversationId"] == conversation and p["viewers"]
    )
    assert names(seen["viewers"]) == ["Giulia"] and seen["typing"] == []

    await giulia.emit("typing", {"conversationId": conversation})
    typing = await marco.wait_for("presence", lambda p: p["typing"])
    assert names(typing["typing"]) == ["Giulia"]

    state = await marco.call("deskState")
    assert [names(p["viewers"]) for p in state["presence"]] == [["Giulia"]]

    start = len(marco.events)
    await giulia.close()
    gone = await marco.wait_for("presence", lambda p: not p["viewers"], start=start)
    assert gone["typing"] == [] and gone["conversationId"] == conversation


async def test_presence_expires_after_silence(
    make_server: Factory, connect: Connect, http: aiohttp.ClientSession
) -> None:
    server = await make_server(presence_timeout=0.3)
    giulia, marco = await connect(server, "giulia"), await connect(server, "marco")
    conversation = await conversation_of(marco, await customer_writes(http, server, "Salve"))
    await giulia.call("viewConversation", {"conversationId": conversation})
    await marco.wait_for("presence", lambda p: p["viewers"])
    # Giulia's console says nothing more (a frozen laptop): the view lapses.
    await marco.wait_for("presence", lambda p: not p["viewers"])


async def test_assignee_only_mode_refuses_a_colleagues_reply_with_a_clear_error(
    make_server: Factory, connect: Connect, http: aiohttp.ClientSession, gateway: FakeGateway
) -> None:
    server = await make_server(assignee_only_replies=True, **replying(gateway))
    giulia, marco = await connect(server, "giulia"), await connect(server, "marco")
    message_id = await customer_writes(http, server, "Urgente: perdita d'acqua in cucina")
    created = await giulia.wait_for("ticketCreated")
    conversation = await conversation_of(giulia, message_id)
    take = await giulia.call(
        "updateTicket",
        {"ticketId": created["ticket"]["id"], "assigneeId": server.operators["giulia"].id},
    )
    assert take["ok"] is True

    refused = await marco.call(
        "sendMessage", {"clientId": "m-1", "conversationId": conversation, "body": "Arrivo!"}
    )
    assert refused["ok"] is False and refused["code"] == "not_assignee"
    assert "Giulia" in refused["error"]["message"] and "assignee" in refused["error"]["message"]
    accepted = await giulia.call(
        "sendMessage", {"clientId": "g-1", "conversationId": conversation, "body": "Arrivo!"}
    )
    assert accepted["ok"] is True
    state = await marco.call("deskState")
    assert state["settings"]["assigneeOnlyReplies"] is True


async def test_without_assignee_only_mode_anyone_replies(
    make_server: Factory, connect: Connect, http: aiohttp.ClientSession, gateway: FakeGateway
) -> None:
    server = await make_server(**replying(gateway))
    giulia, marco = await connect(server, "giulia"), await connect(server, "marco")
    message_id = await customer_writes(http, server, "Urgente: perdita d'acqua")
    created = await giulia.wait_for("ticketCreated")
    conversation = await conversation_of(giulia, message_id)
    await giulia.call(
        "updateTicket",
        {"ticketId": created["ticket"]["id"], "assigneeId": server.operators["giulia"].id},
    )
    ack = await marco.call(
        "sendMessage", {"clientId": "m-1", "conversationId": conversation, "body": "Eccomi"}
    )
    assert ack["ok"] is True


@pytest.mark.parametrize("db_kind", ["sqlite", "postgres"], indirect=True)
async def test_cloud_api_conversation_silent_for_25_hours_refuses_free_form_replies(
    db_url: str,
    make_server: Factory,
    connect: Connect,
    http: aiohttp.ClientSession,
    gateway: FakeGateway,
) -> None:
    server = await make_server(db_url, **replying(gateway))
    marco = await connect(server, "marco")
    old = await post_meta(
        http,
        server,
        gateway.meta_message("393401112222", "Buongiorno", timestamp=int(time.time()) - DAY - 3600),
    )
    fresh = await post_meta(http, server, gateway.meta_message("393405556666", "Salve"))
    old_conv = await conversation_of(marco, old["messages"][0]["id"])
    fresh_conv = await conversation_of(marco, fresh["messages"][0]["id"])

    view = await marco.call("viewConversation", {"conversationId": old_conv})
    assert view["serviceWindow"]["state"] == "closed" and view["serviceWindow"]["gateway"] == "meta"
    refused = await marco.call(
        "sendMessage", {"clientId": "late-1", "conversationId": old_conv, "body": "Eccoci"}
    )
    assert refused["ok"] is False and refused["code"] == "window_closed"
    assert "24-hour" in refused["error"]["message"]
    assert "template" in refused["error"]["message"]

    view = await marco.call("viewConversation", {"conversationId": fresh_conv})
    assert view["serviceWindow"]["state"] == "open" and view["serviceWindow"]["closesAt"]
    ok = await marco.call(
        "sendMessage", {"clientId": "fresh-1", "conversationId": fresh_conv, "body": "Eccoci"}
    )
    assert ok["ok"] is True


async def test_wppconnect_conversation_has_no_window(
    make_server: Factory, connect: Connect, http: aiohttp.ClientSession, gateway: FakeGateway
) -> None:
    server = await make_server(**replying(gateway))
    marco = await connect(server, "marco")
    message_id = await customer_writes(http, server, "Salve", t=int(time.time()) - 3 * DAY)
    conversation = await conversation_of(marco, message_id)
    view = await marco.call("viewConversation", {"conversationId": conversation})
    assert view["serviceWindow"]["state"] == "none"
    ack = await marco.call(
        "sendMessage", {"clientId": "w-1", "conversationId": conversation, "body": "Eccoci"}
    )
    assert ack["ok"] is True


@pytest.mark.parametrize("db_kind", ["sqlite", "postgres"], indirect=True)
async def test_new_ticket_waits_until_an_operator_opens_it(
    db_url: str, make_server: Factory, connect: Connect, http: aiohttp.ClientSession
) -> None:
    server = await make_server(db_url)
    giulia, marco = await connect(server, "giulia"), await connect(server, "marco")
    message_id = await customer_writes(http, server, "Urgente, allagamento in bagno")
    created = await marco.wait_for("ticketCreated")
    conversation = await conversation_of(marco, message_id)
    waiting = (await marco.call("deskState"))["waitingTickets"]
    assert [(w["ticketId"], w["priority"]) for w in waiting] == [
        (created["ticket"]["id"], "URGENT")
    ]

    ack = await giulia.call("viewConversation", {"conversationId": conversation})
    assert ack["opened"] == [created["ticket"]["id"]]
    opened = await marco.wait_for("ticketOpened")
    assert opened["ticketId"] == created["ticket"]["id"] and opened["openedByName"] == "Giulia"
    assert isinstance(opened["seq"], int)
    assert (await marco.call("deskState"))["waitingTickets"] == []
    again = await marco.call("viewConversation", {"conversationId": conversation})
    assert again["opened"] == []
    replay = await marco.call("sync", {"since": 0})
    assert "ticketOpened" in [e["event"] for e in replay["events"]]


async def test_wppconnect_disconnected_session_is_pushed_as_gateway_down(
    make_server: Factory, connect: Connect, http: aiohttp.ClientSession
) -> None:
    server = await make_server()
    marco = await connect(server, "marco")
    status, _ = await post_wpp(
        http, server, {"event": "onstatechange", "session": "sportello", "state": "UNPAIRED"}
    )
    assert status == 200
    down = await marco.wait_for("gatewayState")
    assert down["gateway"] == "wppconnect" and down["account"] == "sportello"
    assert down["state"] == "UNPAIRED" and down["down"] is True and "QR" in down["action"]
    await post_wpp(
        http, server, {"event": "status-find", "session": "sportello", "status": "inChat"}
    )
    up = await marco.wait_for("gatewayState", lambda g: g["state"] == "CONNECTED")
    assert up["down"] is False
    gateways = (await marco.call("deskState"))["gateways"]
    assert [(g["key"], g["state"]) for g in gateways] == [("wppconnect:sportello", "CONNECTED")]


async def test_cloud_api_token_refused_on_send_marks_gateway_unauthorized(
    make_server: Factory, connect: Connect, http: aiohttp.ClientSession
) -> None:
    async with FakeGateway() as gateway:
        server = await make_server(
            meta_access_token="expired",
            meta_phone_number_id=gateway.phone_number_id,
            meta_graph_url=gateway.meta_base_url,
        )
        marco = await connect(server, "marco")
        answer = await post_meta(http, server, gateway.meta_message("393401112222", "Salve"))
        conversation = await conversation_of(marco, answer["messages"][0]["id"])
        gateway.fail_next(1, status=401)
        ack = await marco.call(
            "sendMessage", {"clientId": "x-1", "conversationId": conversation, "body": "Ciao"}
        )
        assert ack["ok"] is True
        state = await marco.wait_for("gatewayState")
        assert state["gateway"] == "meta" and state["state"] == "UNAUTHORIZED"
        assert state["down"] is True and "token" in state["action"]


async def test_unknown_message_type_between_two_normal_ones_keeps_all_three_in_order(
    make_server: Factory, connect: Connect, http: aiohttp.ClientSession
) -> None:
    server = await make_server()
    marco = await connect(server, "marco")
    now = int(time.time())
    first = await customer_writes(http, server, "Prima", t=now - 3)
    odd = wpp_message(body="", t=now - 2)
    odd.update(type="poll_creation", pollName="Quando passate?", pollOptions=[{"name": "oggi"}])
    status, answer = await post_wpp(http, server, odd)
    assert status == 200, answer
    last = await customer_writes(http, server, "Terza", t=now - 1)
    unsupported = await marco.wait_for("newMessage", lambda m: m["type"] == "unsupported")
    assert unsupported["unsupportedType"] == "poll_creation"
    conversation = await conversation_of(marco, last)

    async with http.get(
        f"{server.url}/api/conversations/{conversation}/messages",
        headers={"Authorization": f"Bearer {server.operators['marco'].token}"},
    ) as response:
        thread = (await response.json())["messages"]
    assert [m["id"] for m in reversed(thread)] == [first, answer["messages"][0]["id"], last]
    with server.db.read_session() as session:
        from sportello.store.models import Message

        stored = session.get(Message, int(answer["messages"][0]["id"]))
        assert stored is not None and stored.raw is not None
        assert stored.raw["type"] == "poll_creation" and stored.raw["pollName"]
