"""Socket.IO client managers that fan an event out without a task per recipient.

python-socketio's AsyncManager encodes a broadcast once but then creates one asyncio
task per recipient and waits for all of them; with hundreds of operators and hundreds
of events a second that bookkeeping dominates the latency. Handing the encoded packet
to each socket's queue in a plain loop does the same work without it (the queue put
never blocks: engine.io socket queues are unbounded).
"""

from __future__ import annotations

import asyncio
from typing import Any

import socketio
from engineio import packet as eio_packet
from socketio import packet


class SequentialEmitManager(socketio.AsyncManager):  # type: ignore[misc]
    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: str | None = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: str | None = None,
        **kwargs: Any,
    ) -> None:
        room = to or room
        if callback is not None or namespace not in self.rooms:
            await super().emit(
                event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, **kwargs
            )
            return
        if isinstance(data, tuple):
            args = list(data)
        elif data is not None:
            args = [data]
        else:
            args = []
        skip = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        encoded = self.server.packet_class(
            packet.EVENT, namespace=namespace, data=[event, *args]
        ).encode()
        if not isinstance(encoded, list):
            encoded = [encoded]
        eio_packets = [eio_packet.Packet(eio_packet.MESSAGE, part) for part in encoded]
        for sid, eio_sid in list(self.get_participants(namespace, room)):
            if sid in skip:
                continue
            for eio_pkt in eio_packets:
                await self.server._send_eio_packet(eio_sid, eio_pkt)

    async def emit_group(self, events: list[tuple[str, Any]], namespace: str, room: str) -> None:
        """Several events to one room as ONE engine.io queue item per socket.

        An event and its `messageUpdate` companion always go together; framing both once
        for everybody (instead of per socket) halves the per-socket work of a broadcast.
        """
        texts: list[str] = []
        for event, data in events:
            encoded = self.server.packet_class(
                packet.EVENT, namespace=namespace, data=[event, data]
            ).encode()
            if not isinstance(encoded, str):  # binary attachments: not for us
                for name, payload in events:
                    await self.emit(name, payload, namespace, room=room)
                return
            texts.append(str(eio_packet.MESSAGE) + encoded)
        framed = FramedPacket(texts)
        sockets = getattr(self.server.eio, "sockets", None)
        for _sid, eio_sid in list(self.get_participants(namespace, room)):
            eio_socket: Any = sockets.get(eio_sid) if isinstance(sockets, dict) else None
            queue = getattr(eio_socket, "queue", None)
            direct = getattr(eio_socket, "sportello_ws", None)
            if direct is not None and direct.write_now(framed.frames):
                continue  # written to the WebSocket already: the writer was idle
            if isinstance(queue, asyncio.Queue) and not eio_socket.closed:
                # What engine.io's send() does, minus its per-packet logging and
                # ping check (its own ping task closes dead sockets): the queue is
                # unbounded, so put_nowait is the same as `await put`.
                queue.put_nowait(framed)
            else:
                await self.server._send_eio_packet(eio_sid, framed)


class PreFramed(str):
    """Engine.IO packet texts joined for long-polling, carrying their WebSocket frames."""

    frames: bytes
    parts: tuple[str, ...]


def websocket_text_frame(text: str) -> bytes:
    """One unmasked, final WebSocket text frame (what a server sends) holding `text`."""
    body = text.encode("utf-8")
    size = len(body)
    if size < 126:
        head = bytes((0x81, size))
    elif size < 1 << 16:
        head = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return head + body


class FramedPacket:
    """Stands in for engine.io's Packet in a socket queue: encoded once for all sockets."""

    packet_type = eio_packet.MESSAGE
    binary = False

    def __init__(self, texts: list[str]) -> None:
        encoded = PreFramed("\x1e".join(texts))  # the long-polling separator
        encoded.parts = tuple(texts)
        encoded.frames = b"".join(websocket_text_frame(text) for text in texts)
        self._encoded = encoded
        self.data = texts[0][1:]  # what engine.io's debug log shows

    @property
    def frames(self) -> bytes:
        return self._encoded.frames

    def encode(self, b64: bool = False) -> str:
        return self._encoded


class SequentialEmitRedisManager(socketio.AsyncRedisManager, SequentialEmitManager):  # type: ignore[misc]
    """Redis fan-out between nodes; local delivery as above."""


def make_client_manager(redis_url: str | None, channel: str) -> socketio.AsyncManager:
    if redis_url:
        return SequentialEmitRedisManager(redis_url, channel=channel)
    return SequentialEmitManager()
