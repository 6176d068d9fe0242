"""Session logic with a scripted server: profile detection and gap-triggered resync."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sportello.client.cache import Cache
from sportello.client.changes import ProtocolProfile
from sportello.client.outbox import Outbox
from sportello.client.session import Session
from sportello.client.state import ClientState
from tests.client.client_harness import wait_until


def new_message(seq: int) -> dict[str, Any]:
    return {
        "id": f"m{seq}",
        "conversationId": "c1",
        "phoneNumber": "+393331234567",
        "message": f"testo {seq}",
        "timestamp": f"2024-05-06T09:00:{seq:02d}.000Z",
        "direction": "incoming",
        "status": "received",
        "seq": seq,
    }


class ScriptedServer:
    """Answers `sync` from an event log; or never, like the seed back end."""

    def __init__(self, log_size: int, answers_sync: bool = True) -> None:
        self.log = [{"event": "newMessage", "data": new_message(n)} for n in range(1, log_size + 1)]
        self.answers_sync = answers_sync
        self.sync_calls: list[int] = []

    async def call(self, event: str, data: Any, timeout: float) -> Any:
        assert event == "sync"
        self.sync_calls.append(data["since"])
        if not self.answers_sync:
            raise TimeoutError("the server did not answer sync")
        since = data["since"]
        page = self.log[since : since + 2]
        return {"events": page, "cursor": since + len(page), "more": since + 2 < len(self.log)}


async def make_session(tmp_path: Path, server: ScriptedServer) -> tuple[Session, Cache]:
    cache = Cache(tmp_path / "c.db")
    await cache.open()
    state = ClientState()
    outbox = Outbox(cache, state, lambda payload: server.call("sendMessage", payload, 1))
    return Session(state, cache, outbox, server.call, sync_timeout=0.5), cache


async def test_sync_never_answered_switches_to_the_seed_profile(tmp_path: Path) -> None:
    session, cache = await make_session(tmp_path, ScriptedServer(0, answers_sync=False))
    session.on_authenticated({"success": True, "user": {"id": "1"}, "cursor": 0})
    assert session.profile is ProtocolProfile.FULL
    task = asyncio.create_task(session.run_session())
    await wait_until(lambda: session.profile is ProtocolProfile.SEED, "the seed profile")
    assert session.state.missing_features
    task.cancel()
    await cache.close()


async def test_a_gap_in_live_events_triggers_a_sync_that_fills_it(tmp_path: Path) -> None:
    server = ScriptedServer(5)
    session, cache = await make_session(tmp_path, server)
    session.on_authenticated({"success": True, "user": {"id": "1"}, "cursor": 5})
    task = asyncio.create_task(session.run_session())
    await wait_until(
        lambda: session.sequencer.last_applied == 5 and not session.state.syncing, "the sync"
    )
    assert server.sync_calls == [0, 2, 4]  # pages of two until `more` is false

    server.log += [{"event": "newMessage", "data": new_message(n)} for n in (6, 7, 8)]
    session.on_event("newMessage", new_message(8))  # 6 and 7 lost on the way: a gap
    await wait_until(lambda: session.sequencer.last_applied == 8, "the gap-filling sync")
    conv = session.state.conversation("c1")
    assert conv is not None and conv.unread_count == 8 and conv.last_preview == "testo 8"
    session.on_event("newMessage", new_message(7))  # late duplicate: ignored
    assert session.state.conversation("c1").unread_count == 8  # type: ignore[union-attr]
    task.cancel()
    await cache.flush()
    assert await cache.last_seq() == 8
    await cache.close()
