"""A client that was away catches up with sync and ends where a client that stayed is."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.server.server_harness import Client, connect_operator, post_wpp
from tests.support.payloads import wpp_message


def apply(state: dict[str, Any], event: str, data: dict[str, Any]) -> None:
    """A minimal client model: messages by id with their read flag, tickets by id."""
    if event == "newMessage":
        assert data["id"] not in state["messages"], "event applied twice"
        state["messages"][data["id"]] = {"read": False, "body": data["message"]}
    elif event == "messageRead":
        state["messages"][data["messageId"]]["read"] = True
    elif event in ("ticketCreated", "ticketUpdated"):
        state["tickets"][data["ticket"]["id"]] = data["ticket"]["status"]


def live_state(client: Client, since: int) -> dict[str, Any]:
    state: dict[str, Any] = {"messages": {}, "tickets": {}}
    seen: set[int] = set()
    for event, data in client.events:
        if event in ("newMessage", "messageRead", "ticketCreated", "ticketUpdated"):
            if data["seq"] <= since or data["seq"] in seen:
                continue
            seen.add(data["seq"])
            apply(state, event, data)
    return state


async def catch_up(client: Client, since: int) -> tuple[dict[str, Any], int, int]:
    state: dict[str, Any] = {"messages": {}, "tickets": {}}
    cursor, pages = since, 0
    while True:
        page = await client.call("sync", {"since": cursor})
        pages += 1
        seqs = [entry["data"]["seq"] for entry in page["events"]]
        assert seqs == sorted(seqs) and all(s > cursor for s in seqs)
        assert len(seqs) <= 1000
        for entry in page["events"]:
            apply(state, entry["event"], entry["data"])
        cursor = page["cursor"]
        if not page["more"]:
            return state, cursor, pages


async def test_reconnecting_client_misses_a_thousand_events_and_catches_up(server, http):
    giulia, marco = server.operators["giulia"], server.operators["marco"]
    stayer = await connect_operator(server, giulia)
    leaver = await connect_operator(server, marco)
    cursor = leaver.named("authenticated")[0]["cursor"]
    try:
        await leaver.close()
        sem = asyncio.Semaphore(20)

        async def send(n: int) -> None:
            async with sem:
                status, _ = await post_wpp(
                    http, server, wpp_message(f"3933300{n % 40:05d}", f"problema {n}")
                )
                assert status == 200

        await asyncio.gather(*(send(n) for n in range(1000)))
        some = [m["id"] for m in (await stayer.wait_count("newMessage", 1000))[:300:7]]
        for message_id in some:
            assert (await stayer.call("markAsRead", {"messageId": message_id}))["ok"] is True

        back = Client(server.url, marco.token)
        await back.connect()
        await back.authenticate(marco.id)
        state, final_cursor, pages = await catch_up(back, cursor)
        await back.close()

        assert pages >= 2
        expected = live_state(stayer, cursor)
        assert len(state["messages"]) == 1000
        # Every event the stayer saw is in the log up to the final cursor, and vice versa.
        stayer_seqs = {
            d["seq"]
            for e, d in stayer.events
            if e in ("newMessage", "messageRead", "ticketCreated")
        }
        assert max(stayer_seqs) <= final_cursor
        assert state == expected
    finally:
        await stayer.close()


async def test_sync_validates_since(server, clients):
    giulia = await clients("giulia")
    assert (await giulia.call("sync", {"since": -1}))["ok"] is False
    assert (await giulia.call("sync", {"since": "abc"}))["ok"] is False
    page = await giulia.call("sync", {"since": 10**12})
    assert page == {"events": [], "cursor": 10**12, "more": False}
