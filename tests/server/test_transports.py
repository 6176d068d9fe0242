"""Broadcasts are framed once for every socket: a client on WebSocket and a client still on
HTTP long-polling (a browser before its upgrade) get the same events, in the same order."""

from __future__ import annotations

import asyncio

from sportello.server.fast_manager import PreFramed, websocket_text_frame
from tests.server.server_harness import NAMESPACE, TIMEOUT, Client, post_wpp
from tests.support.payloads import wpp_message


async def _connect(server, name: str, transports: list[str]) -> Client:
    operator = server.operators[name]
    client = Client(server.url, operator.token)
    await client.sio.connect(
        server.url,
        namespaces=[NAMESPACE],
        auth={"token": operator.token},
        transports=transports,
        wait_timeout=TIMEOUT,
    )
    assert (await client.authenticate(operator.id))["success"] is True
    return client


async def test_websocket_and_long_polling_clients_get_the_same_events_in_order(server, http):
    on_ws = await _connect(server, "giulia", ["websocket"])
    on_polling = await _connect(server, "marco", ["polling"])
    try:
        for n in range(3):
            await post_wpp(http, server, wpp_message(f"39333000000{n}", f"Guasto {n}, aiuto"))
        for client in (on_ws, on_polling):
            await client.wait_count("messageUpdate", 3)
        streams = [
            [
                (name, data["seq"])
                for name, data in client.events
                if name in ("ticketCreated", "newMessage", "messageUpdate")
            ]
            for client in (on_ws, on_polling)
        ]
        assert streams[0] == streams[1]
        names = [name for name, _ in streams[0]]
        assert names == ["ticketCreated", "newMessage", "messageUpdate"] * 3
        new = on_polling.named("newMessage")[0]
        update = on_polling.named("messageUpdate")[0]
        assert update["type"] == "new" and update["seq"] == new["seq"]
        assert update["message"] == {k: v for k, v in new.items() if k != "seq"}
    finally:
        await on_ws.close()
        # A graceful close would wait for the pending long-poll GET (up to the ping
        # interval); drop the transport instead, as a closed browser tab does.
        await on_polling.sio.eio.disconnect(abort=True)
        await on_polling.close()


def test_websocket_frames_have_the_right_length_header() -> None:
    for size in (0, 125, 126, 65535, 65536):
        frame = websocket_text_frame("x" * size)
        assert frame[0] == 0x81
        header = {125: 2, 126: 4, 65535: 4, 65536: 10, 0: 2}[size]
        assert len(frame) == header + size
    joined = PreFramed("4a\x1e4b")
    assert joined.split("\x1e") == ["4a", "4b"]


async def test_events_keep_their_order_under_load_mixed_with_other_traffic(server, http):
    """Broadcasts written at once when a socket is idle and queued when it is busy never
    overtake each other nor what was queued before them (typing, acks) on any socket."""
    giulia = await _connect(server, "giulia", ["websocket"])
    marco = await _connect(server, "marco", ["websocket"])
    try:

        async def chatter() -> None:
            for n in range(40):
                await marco.emit("typing", {"conversationId": str(n % 3)})
                await marco.call("sync", {"since": 0})

        async def webhook(n: int) -> None:
            await post_wpp(http, server, wpp_message(f"3933300{n:05d}", f"guasto {n}"))

        await asyncio.gather(chatter(), *(webhook(n) for n in range(60)))
        for client in (giulia, marco):
            await client.wait_count("messageUpdate", 60)
            seqs = [
                data["seq"]
                for name, data in client.events
                if name in ("ticketCreated", "newMessage")
            ]
            assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) == 120
            # every messageUpdate right after its newMessage, with the same seq
            pairs = [
                (name, data["seq"])
                for name, data in client.events
                if name in ("newMessage", "messageUpdate")
            ]
            assert all(
                pairs[i][1] == pairs[i + 1][1] and pairs[i][0] == "newMessage"
                for i in range(0, len(pairs), 2)
            )
    finally:
        await giulia.close()
        await marco.close()
