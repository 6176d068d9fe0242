"""Replies from operators: queued, handed to the gateway, and followed to `read`."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from tests.fakes.fake_gateway import FakeGateway
from tests.server.server_harness import Client, connect_operator, post_wpp
from tests.support.payloads import wpp_message


@pytest.fixture
async def gateway() -> Any:
    async with FakeGateway() as gw:
        yield gw


def gateway_flags(gw: FakeGateway) -> dict[str, Any]:
    return {
        "wppconnect_url": gw.wpp_base_url,
        "wppconnect_session": gw.session,
        "wppconnect_token": gw.wpp_token,
    }


async def _conversation(server: Any, http: Any, client: Client) -> str:
    await post_wpp(http, server, wpp_message("393331234567", "Buongiorno, serve assistenza"))
    message = await client.wait_for("newMessage")
    return str(message["conversationId"])


async def _statuses(client: Client, message_id: str, wanted: list[str]) -> list[dict[str, Any]]:
    found = []
    for status in wanted:
        found.append(
            await client.wait_for(
                "messageStatusUpdate",
                lambda u, status=status: u["messageId"] == message_id and u["status"] == status,
            )
        )
    return found


async def test_reply_goes_queued_sent_delivered_read(make_server, gateway, http):
    server = await make_server(**gateway_flags(gateway))
    giulia = await connect_operator(server, server.operators["giulia"])
    marco = await connect_operator(server, server.operators["marco"])
    try:
        conversation = await _conversation(server, http, giulia)
        request = {
            "clientId": "c-1",
            "conversationId": conversation,
            "body": "Arriviamo entro le 15",
        }

        ack = await giulia.call("sendMessage", request)

        assert ack["ok"] is True
        message = ack["message"]
        assert message["direction"] == "outgoing" and message["status"] == "queued"
        new = await marco.wait_for("newMessage", lambda m: m["id"] == message["id"])
        assert new["status"] == "queued"
        sent = (await _statuses(marco, message["id"], ["sent"]))[0]
        assert len(gateway.sent) == 1
        assert gateway.sent[0].body == "Arriviamo entro le 15"
        assert gateway.sent[0].to.lstrip("+") == "393331234567"
        provider_id = gateway.sent[0].message_id
        for ack_level in (2, 3):
            status, _ = await post_wpp(http, server, gateway.wpp_ack(provider_id, ack_level))
            assert status == 200
        delivered, read = await _statuses(marco, message["id"], ["delivered", "read"])
        assert sent["seq"] < delivered["seq"] < read["seq"]

        again = await giulia.call("sendMessage", request)
        assert again["ok"] is True and again["message"]["id"] == message["id"]
        await asyncio.sleep(0.5)
        assert len(gateway.sent) == 1
    finally:
        await giulia.close()
        await marco.close()


async def test_gateway_5xx_is_retried_until_sent(make_server, gateway, http):
    server = await make_server(**gateway_flags(gateway))
    giulia = await connect_operator(server, server.operators["giulia"])
    try:
        conversation = await _conversation(server, http, giulia)
        gateway.fail_next(2, 500)
        ack = await giulia.call(
            "sendMessage", {"clientId": "c-5xx", "conversationId": conversation, "body": "Ok"}
        )
        await _statuses(giulia, ack["message"]["id"], ["sent"])
        assert len(gateway.requests) == 3
        assert len(gateway.sent) == 1
    finally:
        await giulia.close()


async def test_gateway_4xx_fails_the_reply_with_the_gateway_error(make_server, gateway, http):
    server = await make_server(**gateway_flags(gateway))
    giulia = await connect_operator(server, server.operators["giulia"])
    try:
        conversation = await _conversation(server, http, giulia)
        gateway.fail_next(1, 400)
        ack = await giulia.call(
            "sendMessage", {"clientId": "c-4xx", "conversationId": conversation, "body": "Ok"}
        )
        failed = (await _statuses(giulia, ack["message"]["id"], ["failed"]))[0]
        assert failed["error"]
        await asyncio.sleep(0.3)
        assert len(gateway.requests) == 1
    finally:
        await giulia.close()


async def test_invalid_send_requests_are_refused(server, clients):
    giulia = await clients("giulia")
    assert (await giulia.call("sendMessage", {"conversationId": "1", "body": "x"}))[
        "code"
    ] == "missing_client_id"
    assert (await giulia.call("sendMessage", {"clientId": "a", "body": "x"}))["ok"] is False
    assert (
        await giulia.call("sendMessage", {"clientId": "a", "conversationId": "999", "body": "x"})
    )["ok"] is False
    assert (
        await giulia.call("sendMessage", {"clientId": "a", "conversationId": "1", "body": "  "})
    )["ok"] is False
    assert (await giulia.call("sendMessage", "nonsense"))["ok"] is False


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


async def test_outbox_survives_a_restart(make_server, gateway, http, tmp_path):
    db_url = f"sqlite:///{tmp_path / 'restart.db'}"
    # The session is up but every send fails for now (500: retried): the reply waits.
    gateway.fail_next(1000, 500)
    first = await make_server(
        db_url, **gateway_flags(gateway), send_retry_base=0.5, send_retry_max=1.0
    )
    giulia = await connect_operator(first, first.operators["giulia"])
    conversation = await _conversation(first, http, giulia)
    ack = await giulia.call(
        "sendMessage", {"clientId": "c-restart", "conversationId": conversation, "body": "Ci siamo"}
    )
    assert ack["ok"] is True
    await giulia.close()
    await first.stop()
    assert gateway.sent == []
    gateway.clear()  # the gateway works again

    second = await make_server(db_url, **gateway_flags(gateway))
    second.operators = first.operators
    marco = await connect_operator(second, first.operators["marco"])
    try:
        for _ in range(100):
            if gateway.sent:
                break
            await asyncio.sleep(0.1)
        assert [m.body for m in gateway.sent] == ["Ci siamo"]
        # The gateway has it; the server records the send right after its answer.
        assert (await marco.wait_for("messageStatusUpdate"))["status"] == "sent"
        page = await marco.call("sync", {"since": 0})
        statuses = [
            e["data"]["status"] for e in page["events"] if e["event"] == "messageStatusUpdate"
        ]
        assert statuses == ["sent"]
    finally:
        await marco.close()


async def test_update_ticket_is_validated_and_broadcast(server, clients, http):
    giulia, marco = await clients("giulia"), await clients("marco")
    await post_wpp(http, server, wpp_message(body="Caldaia in blocco, urgente"))
    created = await giulia.wait_for("ticketCreated")
    ticket_id = created["ticket"]["id"]

    ack = await giulia.call(
        "updateTicket",
        {"ticketId": ticket_id, "status": "ASSIGNED", "assigneeId": server.operators["marco"].id},
    )

    assert ack["ok"] is True
    assert ack["ticket"]["status"] == "ASSIGNED"
    assert ack["ticket"]["assigneeId"] == server.operators["marco"].id
    updated = await marco.wait_for("ticketUpdated")
    assert updated["ticket"]["status"] == "ASSIGNED" and updated["seq"] > created["seq"]
    bad = await giulia.call("updateTicket", {"ticketId": ticket_id, "status": "DONE"})
    assert bad["ok"] is False and bad["code"] == "invalid_status"
    assert (await giulia.call("updateTicket", {"ticketId": "99999"}))["ok"] is False
    assert (await giulia.call("updateTicket", {"ticketId": ticket_id, "assigneeId": "4242"}))[
        "ok"
    ] is False


async def test_a_reply_with_no_gateway_is_refused_at_once_with_no_gateway(server, clients, http):
    giulia = await clients("giulia")
    conversation = await _conversation(server, http, giulia)

    ack = await giulia.call(
        "sendMessage", {"clientId": "c-none", "conversationId": conversation, "body": "Ci siamo"}
    )

    assert ack["ok"] is False and ack["code"] == "no_gateway"
    assert "wppconnect" in ack["error"]["message"]
    state = await giulia.call("deskState")
    assert state["canSend"]["wppconnect"]["code"] == "no_gateway"
    assert state["canSend"]["meta"] == {
        "ok": False,
        "code": "no_gateway",
        "message": state["canSend"]["meta"]["message"],
    }
    assert "line" not in state  # operators do not see the line, admins do
    page = await giulia.call("sync", {"since": 0})
    assert all(e["data"].get("direction") != "outgoing" for e in page["events"])


async def test_a_reply_while_wppconnect_does_not_answer_is_refused_as_gateway_down(
    make_server, http
):
    server = await make_server(
        wppconnect_url=_dead_url(),
        wppconnect_session="sportello",
        wppconnect_token="any",
        gateway_poll_interval=0.2,
    )
    giulia = await connect_operator(server, server.operators["giulia"])
    try:
        conversation = await _conversation(server, http, giulia)
        for _ in range(200):  # the first poll may have found it before giulia connected
            can_send = (await giulia.call("deskState"))["canSend"]["wppconnect"]
            if can_send["code"] == "gateway_down":
                break
            await asyncio.sleep(0.05)
        assert can_send["ok"] is False and can_send["code"] == "gateway_down"

        ack = await giulia.call(
            "sendMessage", {"clientId": "c-down", "conversationId": conversation, "body": "Ok"}
        )

        assert ack["ok"] is False and ack["code"] == "gateway_down"
        assert (
            "does not answer" in ack["error"]["message"]
            or "unreachable" in (ack["error"]["message"])
        )
    finally:
        await giulia.close()
