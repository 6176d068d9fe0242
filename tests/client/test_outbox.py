"""The outbox: durable before shown, resent with the same clientId, retried in place."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sportello.client.cache import Cache
from sportello.client.errors import NotConnected
from sportello.client.outbox import Outbox
from sportello.client.records import Message
from sportello.client.state import ClientState
from sportello.domain.values import DeliveryStatus, Direction


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


async def test_refused_message_is_failed_and_retry_resends_the_same_entry_in_place(
    tmp_path: Path,
) -> None:
    server = FakeServer()
    path = tmp_path / "cache.db"
    cache, outbox, state = await open_outbox(path, server)
    state.open_thread("conv-1", [], has_older=False)
    server.mode = "refuse"
    first = await outbox.compose("conv-1", "Buongiorno", None)
    await outbox.flush()
    failed = state.thread[-1]
    # The message keeps the server's code: the console words it (ui/error_texts.py).
    assert failed.status is DeliveryStatus.FAILED and failed.error == "invalid_recipient"
    row = state.conversation("conv-1")
    assert row is not None and row.reply_failed  # the list row's "not sent" mark
    await outbox.flush()
    assert server.calls == [first.client_id]  # a refusal is not resent by itself

    again = await outbox.retry(failed)

    # The same bubble, queued again, its error gone: nothing added, nothing removed.
    assert (again.id, again.client_id) == (first.id, first.client_id)
    assert [(m.id, m.status, m.error) for m in state.thread] == [
        (first.id, DeliveryStatus.QUEUED, None)
    ]
    row = state.conversation("conv-1")
    assert row is not None and not row.reply_failed
    await cache.close()  # the app quits before it could send: the retry is kept

    server.mode = "ok"
    cache, outbox, state = await open_outbox(path, server)
    assert [e.client_id for e in outbox.pending] == [first.client_id]
    cached = await cache.messages_page("conv-1", 10)
    assert [(m.id, m.status, m.error) for m in cached] == [(first.id, DeliveryStatus.QUEUED, None)]
    state.open_thread("conv-1", cached, has_older=False)
    assert await outbox.flush() == 1
    assert server.calls == [first.client_id, first.client_id]  # the same key, once stored
    assert [(m.id, m.client_id) for m in state.thread] == [("100", first.client_id)]
    await cache.close()


class RetryingServer:
    """`retryMessage` as our server answers it, or as an older one does (unknown_event)."""

    def __init__(self, answer: str = "ok") -> None:
        self.answer = answer
        self.asked: list[Mapping[str, Any]] = []

    async def resend(self, payload: Mapping[str, Any]) -> Any:
        self.asked.append(payload)
        if self.answer == "unknown_event":
            return {"ok": False, "code": "unknown_event", "error": "not a command"}
        return {
            "ok": True,
            "message": {"id": payload["messageId"], "status": "queued", "clientId": "c-7"},
        }


def stored_failure() -> Message:
    return Message(
        id="77",
        conversation_id="conv-1",
        timestamp="2024-05-06T10:00:00.000Z",
        direction=Direction.OUTGOING,
        status=DeliveryStatus.FAILED,
        body="Ecco il preventivo",
        client_id="c-7",
        error="the number is not on WhatsApp",
    )


async def test_a_failed_message_the_server_stored_is_retried_by_id_in_place(
    tmp_path: Path,
) -> None:
    retrying = RetryingServer()
    cache = Cache(tmp_path / "cache.db")
    await cache.open()
    state = ClientState()
    outbox = Outbox(cache, state, FakeServer().send, retrying.resend)
    failure = stored_failure()
    state.apply_message(failure)
    state.open_thread("conv-1", [failure], has_older=False)

    again = await outbox.retry(failure)

    assert retrying.asked == [{"messageId": "77"}]
    assert (again.id, again.client_id, again.status) == ("77", "c-7", DeliveryStatus.QUEUED)
    assert [(m.id, m.client_id, m.status, m.error) for m in state.thread] == [
        ("77", "c-7", DeliveryStatus.QUEUED, None)
    ]
    assert outbox.pending == []  # the server's outbox sends it, not ours
    # Its status event comes after the ack: applied once more, it changes nothing.
    state.apply_status("77", DeliveryStatus.QUEUED, conversation_id="conv-1", retry=True)
    state.apply_status("77", DeliveryStatus.SENT, conversation_id="conv-1")
    assert [m.status for m in state.thread] == [DeliveryStatus.SENT]
    await cache.close()


async def test_an_older_server_without_retry_message_gets_a_new_attempt(tmp_path: Path) -> None:
    retrying = RetryingServer("unknown_event")
    server = FakeServer()
    cache = Cache(tmp_path / "cache.db")
    await cache.open()
    state = ClientState()
    outbox = Outbox(cache, state, server.send, retrying.resend)
    failure = stored_failure()
    state.open_thread("conv-1", [failure], has_older=False)

    again = await outbox.retry(failure)

    assert again.is_local and again.client_id != "c-7"
    assert [m.id for m in state.thread] == ["77", again.id]  # the record, then the attempt
    await cache.close()
