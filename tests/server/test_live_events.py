"""Operators see what happens as it happens: messages, reads, typing, tickets."""

from __future__ import annotations

import asyncio

from tests.server.server_harness import post_wpp
from tests.support.payloads import wpp_message


async def test_two_operators_get_exactly_one_new_message_each_per_webhook(server, clients, http):
    giulia, marco = await clients("giulia"), await clients("marco")

    for n in range(3):
        status, answer = await post_wpp(http, server, wpp_message(body=f"aiuto numero {n}"))
        assert status == 200, answer

    for client in (giulia, marco):
        messages = await client.wait_count("newMessage", 3)
        assert [m["message"] for m in messages] == [f"aiuto numero {n}" for n in range(3)]
        updates = await client.wait_count("messageUpdate", 3)
        assert [u["type"] for u in updates] == ["new"] * 3
    await asyncio.sleep(0.3)  # nothing more trickles in
    assert len(giulia.named("newMessage")) == 3
    assert len(marco.named("newMessage")) == 3
    seqs = [m["seq"] for m in giulia.named("newMessage")]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


async def test_new_message_carries_seed_fields_and_notification(server, clients, http):
    giulia = await clients("giulia")
    await post_wpp(http, server, wpp_message("393331234567", "URGENTE: allagamento in cantina"))

    message = await giulia.wait_for("newMessage")
    assert message["phoneNumber"] == "+393331234567"
    assert message["direction"] == "incoming"
    assert message["senderName"] == "Mario Rossi"
    assert message["notification"]["sound"] is True  # a boolean, as the seed sends it
    assert message["notification"]["soundName"] == "urgent"
    assert message["ticketId"]
    created = giulia.named("ticketCreated")
    assert created and created[0]["ticket"]["priority"] == "URGENT"
    assert created[0]["seq"] < message["seq"]


async def test_mark_as_read_by_one_operator_is_read_for_the_other(server, clients, http):
    giulia, marco = await clients("giulia"), await clients("marco")
    await post_wpp(http, server, wpp_message(body="Buongiorno, problema con la caldaia"))
    message = await giulia.wait_for("newMessage")

    ack = await giulia.call("markAsRead", {"messageId": message["id"], "userId": "999"})

    assert ack == {"ok": True}
    read = await marco.wait_for("messageRead")
    assert read["messageId"] == message["id"]
    assert read["readBy"] == server.operators["giulia"].id  # from the token, not the payload
    assert read["seq"] > message["seq"]
    update = await marco.wait_for("messageUpdate", lambda u: u["type"] == "read")
    assert update["message"]["id"] == message["id"]


async def test_mark_as_read_of_unknown_message_is_refused(server, clients):
    giulia = await clients("giulia")
    assert (await giulia.call("markAsRead", {"messageId": "123456"}))["ok"] is False
    answer = await giulia.call("markAsRead", {"messageId": {"$gt": 1}})
    assert answer["ok"] is False and answer["code"] == "invalid_message_id"
    assert (await giulia.call("markAsRead", None))["ok"] is False


async def test_unread_messages_on_authenticate_counts_everything(server, clients, http):
    for n in range(55):
        status, _ = await post_wpp(http, server, wpp_message(f"39333000{n:04d}", f"msg {n}"))
        assert status == 200
    giulia = await clients("giulia")

    unread = giulia.named("unreadMessages")[0]
    assert unread["count"] == 55
    assert len(unread["messages"]) == 50
    assert set(unread["messages"][0]) >= {
        "id",
        "phoneNumber",
        "message",
        "timestamp",
        "type",
        "senderName",
    }


async def test_colleague_typing_reaches_others_but_not_the_typist(server, clients):
    giulia, marco = await clients("giulia"), await clients("marco")

    await giulia.emit("typing", {"conversationId": "7"})
    typing = await marco.wait_for("userTyping")
    assert typing["from"] == server.operators["giulia"].id
    assert typing["conversationId"] == "7"
    for _ in range(5):  # keystrokes are throttled
        await giulia.emit("typing", {"conversationId": "7"})
    await giulia.emit("stopTyping", {"conversationId": "7"})
    stopped = await marco.wait_for("userStoppedTyping")
    assert stopped == {"from": server.operators["giulia"].id, "conversationId": "7"}
    assert len(marco.named("userTyping")) == 1
    assert giulia.named("userTyping") == [] and giulia.named("userStoppedTyping") == []


async def test_typing_stops_by_itself_after_silence(make_server):
    server = await make_server(typing_timeout=0.5)
    from tests.server.server_harness import connect_operator

    giulia = await connect_operator(server, server.operators["giulia"])
    marco = await connect_operator(server, server.operators["marco"])
    try:
        await giulia.emit("typing", {"conversationId": "3"})
        await marco.wait_for("userTyping")
        stopped = await marco.wait_for("userStoppedTyping", timeout=5)
        assert stopped["conversationId"] == "3"
    finally:
        await giulia.close()
        await marco.close()


async def test_customer_typing_from_gateway_presence(server, clients, http):
    giulia = await clients("giulia")
    await post_wpp(http, server, wpp_message("393331234567", "Buongiorno"))
    message = await giulia.wait_for("newMessage")
    presence = {
        "event": "onpresencechanged",
        "session": "sportello",
        "id": "393331234567@c.us",
        "isOnline": True,
        "isGroup": False,
        "isUser": True,
        "state": "composing",
        "t": 1700000000,
        "isContact": True,
    }

    status, answer = await post_wpp(http, server, presence)

    assert status == 200, answer
    typing = await giulia.wait_for("userTyping")
    assert typing["conversationId"] == message["conversationId"]
    assert typing["from"] == "+393331234567"
    presence["state"] = "available"
    await post_wpp(http, server, presence)
    stopped = await giulia.wait_for("userStoppedTyping")
    assert stopped["conversationId"] == message["conversationId"]
