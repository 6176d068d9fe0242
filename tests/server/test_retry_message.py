"""`retryMessage`: a failed reply is sent again in place, same id and clientId, for everyone."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.fakes.fake_gateway import FakeGateway
from tests.server.server_harness import Client, connect_operator, post_wpp
from tests.support.payloads import wpp_message


@pytest.fixture
async def gateway() -> Any:
    async with FakeGateway() as gw:
        yield gw


def gateway_flags(gw: FakeGateway, **more: Any) -> dict[str, Any]:
    return {
        "wppconnect_url": gw.wpp_base_url,
        "wppconnect_session": gw.session,
        "wppconnect_token": gw.wpp_token,
        **more,
    }


async def _failed_reply(
    client: Client, gateway: FakeGateway, conversation: str, client_id: str
) -> dict[str, Any]:
    """A reply the gateway refuses (4xx: not retried by the worker), once it is failed."""
    gateway.fail_next(1, 400)
    ack = await client.call(
        "sendMessage", {"clientId": client_id, "conversationId": conversation, "body": "Ecco"}
    )
    assert ack["ok"] is True
    message_id = ack["message"]["id"]
    await client.wait_for(
        "messageStatusUpdate", lambda u: u["messageId"] == message_id and u["status"] == "failed"
    )
    return dict(ack["message"])


async def test_a_failed_reply_goes_back_to_queued_and_is_sent_as_the_same_message(
    make_server, gateway, http
):
    server = await make_server(**gateway_flags(gateway))
    giulia = await connect_operator(server, server.operators["giulia"])
    marco = await connect_operator(server, server.operators["marco"])
    try:
        await post_wpp(http, server, wpp_message("393331234567", "Mi mandate il preventivo?"))
        conversation = str((await giulia.wait_for("newMessage"))["conversationId"])
        reply = await _failed_reply(giulia, gateway, conversation, "c-retry")
        failed = await marco.wait_for(
            "messageStatusUpdate", lambda u: u["messageId"] == reply["id"]
        )
        assert failed["status"] == "failed" and failed["conversationId"] == conversation
        assert gateway.sent == []

        ack = await giulia.call("retryMessage", {"messageId": reply["id"]})

        assert ack["ok"] is True
        again = ack["message"]
        assert (again["id"], again["clientId"], again["status"]) == (
            reply["id"],
            "c-retry",
            "queued",
        )
        requeued = await marco.wait_for(
            "messageStatusUpdate",
            lambda u: u["messageId"] == reply["id"] and u["status"] == "queued",
        )
        assert requeued["retry"] is True and requeued["conversationId"] == conversation
        assert "error" not in requeued
        seed_style = await marco.wait_for(
            "messageUpdate", lambda u: u["type"] == "status" and u["seq"] == requeued["seq"]
        )
        assert seed_style["message"]["status"] == "queued"
        sent = await marco.wait_for(
            "messageStatusUpdate", lambda u: u["messageId"] == reply["id"] and u["status"] == "sent"
        )
        assert sent["seq"] > requeued["seq"] > failed["seq"]
        assert [m.body for m in gateway.sent] == ["Ecco"]

        # Nothing new in the thread: one message, now sent; the log replays the story.
        thread = await giulia_rest(server, http, conversation)
        assert [(m["id"], m["status"]) for m in thread if m["direction"] == "outgoing"] == [
            (reply["id"], "sent")
        ]
        page = await marco.call("sync", {"since": 0})
        story = [
            (e["data"]["status"], e["data"].get("retry", False))
            for e in page["events"]
            if e["event"] == "messageStatusUpdate"
        ]
        assert story == [("failed", False), ("queued", True), ("sent", False)]

        # Asked again (an ack lost on the way): the message as it is, nothing resent.
        twice = await giulia.call("retryMessage", {"messageId": reply["id"]})
        assert twice["ok"] is True and twice["message"]["status"] == "sent"
        await asyncio.sleep(0.3)
        assert len(gateway.sent) == 1
    finally:
        await giulia.close()
        await marco.close()


async def giulia_rest(server: Any, http: Any, conversation: str) -> list[dict[str, Any]]:
    token = server.operators["giulia"].token
    async with http.get(
        f"{server.url}/api/conversations/{conversation}/messages",
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        assert response.status == 200
        return list((await response.json())["messages"])


async def test_only_a_reply_can_be_retried_and_bad_ids_are_refused(server, clients, http):
    giulia = await clients("giulia")
    await post_wpp(http, server, wpp_message("393331234567", "Buongiorno"))
    incoming = await giulia.wait_for("newMessage")

    assert (await giulia.call("retryMessage", {"messageId": incoming["id"]}))["code"] == (
        "not_found"
    )
    assert (await giulia.call("retryMessage", {"messageId": "99999"}))["code"] == "not_found"
    assert (await giulia.call("retryMessage", {}))["code"] == "missing_message_id"
    assert (await giulia.call("retryMessage", {"messageId": "x1"}))["code"] == (
        "invalid_message_id"
    )


async def test_with_assignee_only_replies_only_the_assignee_retries(make_server, gateway, http):
    server = await make_server(**gateway_flags(gateway, assignee_only_replies=True))
    giulia = await connect_operator(server, server.operators["giulia"])
    marco = await connect_operator(server, server.operators["marco"])
    try:
        await post_wpp(http, server, wpp_message("393339990000", "Caldaia in blocco, urgente"))
        ticket = (await marco.wait_for("ticketCreated"))["ticket"]
        taken = await marco.call(
            "updateTicket", {"ticketId": ticket["id"], "assigneeId": server.operators["marco"].id}
        )
        assert taken["ok"] is True, taken
        reply = await _failed_reply(marco, gateway, ticket["conversationId"], "c-marco")

        refused = await giulia.call("retryMessage", {"messageId": reply["id"]})

        assert refused["ok"] is False and refused["code"] == "not_assignee"
        assert (await marco.call("retryMessage", {"messageId": reply["id"]}))["ok"] is True
        await marco.wait_for(
            "messageStatusUpdate", lambda u: u["messageId"] == reply["id"] and u["status"] == "sent"
        )
    finally:
        await giulia.close()
        await marco.close()
