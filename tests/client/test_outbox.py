"""The outbox: durable before shown, resent with the same clientId, retried with a new one."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sportello.client.cache import Cache
from sportello.client.errors import NotConnected
from sportello.client.outbox import Outbox
from sportello.client.state import ClientState
from sportello.domain.values import DeliveryStatus


class FakeServer:
    """Dedupes sendMessage by clientId, like the contract says; can lose acks or refuse."""

    def __init__(self) -> None:
        self.stored: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.mode = "ok"  # "offline", "lose_ack", "refuse"

    async def send(self, payload: Mapping[str, Any]) -> Any:
        if self.mode == "offline":
            raise NotConnected("offline")
        client_id = str(payload["clientId"])
        self.calls.append(client_id)
        if self.mode == "refuse":
            return {"ok": False, "error": {"code": "invalid_recipient", "message": "no WhatsApp"}}
        message = self.stored.setdefault(
            client_id,
            {
                "id": str(100 + len(self.stored)),
                "conversationId": payload["conversationId"],
                "message": payload["body"],
                "timestamp": "2024-05-06T10:00:00.000Z",
                "direction": "outgoing",
                "status": "queued",
            },
        )
        if self.mode == "lose_ack":
            raise TimeoutError("the server did not answer sendMessage")
        return {"ok": True, "message": message}


async def open_outbox(path: Path, server: FakeServer) -> tuple[Cache, Outbox, ClientState]:
    cache = Cache(path)
    await cache.open()
    state = ClientState()
    outbox = Outbox(cache, state, server.send)
    await outbox.load()
    return cache, outbox, state


async def test_message_composed_offline_is_sent_exactly_once_across_restarts(
    tmp_path: Path,
) -> None:
    server = FakeServer()
    path = tmp_path / "cache.db"

    server.mode = "offline"
    cache, outbox, state = await open_outbox(path, server)
    shown = await outbox.compose("conv-1", "Arrivo alle 15", None)
    assert shown.status is DeliveryStatus.QUEUED and state.conversation("conv-1") is not None
    await outbox.flush()
    await cache.close()  # the app quits while offline

    server.mode = "lose_ack"  # stored by the server, but the ack never arrives
    cache, outbox, _ = await open_outbox(path, server)
    assert [e.client_id for e in outbox.pending] == [shown.client_id]
    await outbox.flush()
    await cache.close()

    server.mode = "ok"
    cache, outbox, state = await open_outbox(path, server)
    assert await outbox.flush() == 1
    await cache.close()

    cache, outbox, _ = await open_outbox(path, server)
    assert outbox.pending == []
    assert [m.id for m in await cache.messages_page("conv-1", 10)] == ["100"]  # no placeholder
    await cache.close()
    assert server.calls == [shown.client_id, shown.client_id]  # same key both times
    assert len(server.stored) == 1  # ... so the customer got one message


async def test_refused_message_is_failed_and_retry_uses_a_new_client_id(tmp_path: Path) -> None:
    server = FakeServer()
    cache, outbox, state = await open_outbox(tmp_path / "cache.db", server)
    state.open_thread("conv-1", [], has_older=False)
    server.mode = "refuse"
    first = await outbox.compose("conv-1", "Buongiorno", None)
    await outbox.flush()
    failed = state.thread[-1]
    # The message keeps the server's code: the console words it (ui/error_texts.py).
    assert failed.status is DeliveryStatus.FAILED and failed.error == "invalid_recipient"
    await outbox.flush()
    assert server.calls == [first.client_id]  # a refusal is not resent by itself

    server.mode = "ok"
    second = await outbox.retry(failed)
    await outbox.flush()
    assert second.client_id != first.client_id
    assert [m.id for m in state.thread] == ["100"]  # the failed placeholder gave way
    await cache.close()
