"""Hands committed events to every authenticated operator socket, once, in commit order.

Each node emits only the events it committed itself; with `--redis` the Socket.IO manager
relays them to the sockets of the other nodes, so every operator gets every event once.
The seed back end also sends `messageUpdate` companions (`type` new/status/read) beside
the message events: they are derived here, carry the seq of the event they accompany, and
are not part of the log (sync replays the primary events only).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import socketio

from sportello.server.fast_manager import SequentialEmitManager
from sportello.server.logs import fields
from sportello.store.events import StoredEvent

log = logging.getLogger(__name__)

NAMESPACE = "/whatsapp"
OPERATORS_ROOM = "operators"
# Administrators' sockets also join this room: what only they may see (the WhatsApp line
# and its QR code, `gatewayLine`) goes there, through the same manager as every emit.
ADMINS_ROOM = "admins"

MESSAGE_UPDATE = "messageUpdate"


def operator_room(operator_id: int | str) -> str:
    """Room of every socket of one operator (to leave them out of their own typing)."""
    return f"operator:{operator_id}"


def companions(name: str, payload: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The seed's `messageUpdate` events that go with a stored event."""
    seq = payload.get("seq")
    if name == "newMessage":
        body = {key: value for key, value in payload.items() if key != "seq"}
        return [(MESSAGE_UPDATE, {"type": "new", "message": body, "seq": seq})]
    if name == "messageStatusUpdate":
        message: dict[str, Any] = {
            "id": payload.get("messageId"),
            "status": payload.get("status"),
            "timestamp": payload.get("timestamp"),
        }
        if "error" in payload:
            message["error"] = payload["error"]
        return [(MESSAGE_UPDATE, {"type": "status", "message": message, "seq": seq})]
    if name == "messageRead":
        message = {
            "id": payload.get("messageId"),
            "status": "read",
            "readBy": payload.get("readBy"),
            "timestamp": payload.get("timestamp"),
        }
        return [(MESSAGE_UPDATE, {"type": "read", "message": message, "seq": seq})]
    return []


class EventBroadcaster:
    """Queue of committed events, emitted by one task so order is kept."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio
        self._queue: asyncio.Queue[list[StoredEvent] | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.emitted = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="broadcaster")

    def publish(self, events: Sequence[StoredEvent]) -> None:
        """Called on the loop (see DbExecutor.write_events) right after each commit."""
        if events:
            self._queue.put_nowait(list(events))

    async def drain(self) -> None:
        """Emit what is queued, then stop."""
        if self._task is None:
            return
        self._queue.put_nowait(None)
        await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            batch = await self._queue.get()
            if batch is None:
                return
            for event in batch:
                try:
                    await self._emit(event)
                except Exception:
                    # A broken pub/sub link must not stop later events; clients resume
                    # with sync from the log, which is the source of truth.
                    log.exception("emit failed", extra=fields(event=event.name, seq=event.seq))

    async def _emit(self, event: StoredEvent) -> None:
        group = [(event.name, event.payload), *companions(event.name, event.payload)]
        manager = self._sio.manager
        if type(manager) is SequentialEmitManager:  # one node: frame the group once
            await manager.emit_group(group, NAMESPACE, OPERATORS_ROOM)
        else:  # Redis relays each emit to the other nodes
            for name, payload in group:
                await self._sio.emit(name, payload, room=OPERATORS_ROOM, namespace=NAMESPACE)
        self.emitted += 1
