"""Engine.IO over WebSocket with one TCP write per loop iteration instead of per frame.

A broadcast puts one frame in the queue of every socket; engine.io's writer then sends
each frame with its own `send()` system call. On loopback and LANs that syscall (with
the kernel's receive path it triggers) is most of the cost of an event. Frames written
to one connection during the same event-loop iteration are therefore joined and handed
to the transport once, right after the iteration: the bytes on the wire are identical.
"""

from __future__ import annotations

import asyncio
import types
from typing import Any

from engineio import exceptions as eio_exceptions
from engineio.async_drivers import aiohttp as eio_aiohttp

from sportello.server.fast_manager import PreFramed


class CoalescingTransport:
    """Wraps an asyncio transport: write() buffers, a call_soon flush writes once."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._buffer: list[bytes] = []
        self._loop = asyncio.get_running_loop()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._buffer:
            self._loop.call_soon(self._flush)
        self._buffer.append(bytes(data))

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def _flush(self) -> None:
        if not self._buffer:
            return
        data = b"".join(self._buffer)
        self._buffer.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


async def _poll_without_a_task(self: Any) -> list[Any]:
    """engine.io's AsyncSocket.poll, with asyncio.timeout instead of wait_for.

    On Python 3.11 wait_for wraps every queue.get() in a new Task: once per event per
    socket, which with hundreds of operators is most of a broadcast's cost. Same result,
    same exceptions.
    """
    try:
        async with asyncio.timeout(self.server.ping_interval + self.server.ping_timeout):
            packets = [await self.queue.get()]
        self.queue.task_done()
    except (TimeoutError, asyncio.CancelledError):
        raise eio_exceptions.QueueEmpty() from None
    if packets == [None]:
        return []
    while True:
        try:
            pkt = self.queue.get_nowait()
        except asyncio.QueueEmpty:
            break
        self.queue.task_done()
        if pkt is None:
            self.queue.put_nowait(None)
            break
        packets.append(pkt)
    return packets


class CoalescingWebSocket(eio_aiohttp.WebSocket):  # type: ignore[misc]
    """engine.io's aiohttp WebSocket with coalesced writes (and no per-send introspection)."""

    _installed = False

    def __init__(self, handler: Any, server: Any) -> None:
        super().__init__(handler, server)
        eio_socket = getattr(handler, "__self__", None)  # the engine.io socket upgrading
        if eio_socket is not None and hasattr(eio_socket, "poll"):
            eio_socket.poll = types.MethodType(_poll_without_a_task, eio_socket)
            eio_socket.sportello_ws = self
        self._eio_socket = eio_socket

    def write_now(self, frames: bytes) -> bool:
        """Write a broadcast's frames at once when nothing sent earlier can be overtaken.

        True only when the socket's writer is idle: upgraded, its queue empty and the
        writer task waiting on it (so it holds no packet either). Otherwise False, and the
        caller queues the packet as usual, behind the others.
        """
        sock: Any = self._eio_socket
        if sock is None or not sock.upgraded or sock.upgrading or sock.closed:
            return False
        queue = sock.queue
        getters = getattr(queue, "_getters", None)
        if not queue.empty() or not getters or all(g.done() for g in getters):
            return False
        writer: Any = getattr(self._sock, "_writer", None)
        transport = getattr(writer, "transport", None)
        if not isinstance(transport, CoalescingTransport) or self._sock.closed:
            return False
        transport.write(frames)
        return True

    async def send(self, message: str | bytes) -> None:
        if not self._installed:
            self._installed = True
            writer: Any = getattr(self._sock, "_writer", None)
            transport = getattr(writer, "transport", None)
            if writer is not None and transport is not None:
                writer.transport = CoalescingTransport(transport)
        if isinstance(message, PreFramed):
            await self._send_framed(message)
        elif isinstance(message, bytes):
            await self._sock.send_bytes(message)
        else:
            await self._sock.send_str(message)

    async def _send_framed(self, message: PreFramed) -> None:
        """Frames built once for every socket: write the bytes as they are."""
        writer: Any = getattr(self._sock, "_writer", None)
        transport = getattr(writer, "transport", None)
        if isinstance(transport, CoalescingTransport) and not self._sock.closed:
            transport.write(message.frames)
            return
        for part in message.parts:  # anything unusual: let aiohttp frame each one
            await self._sock.send_str(part)


def install(eio_server: Any) -> bool:
    """Use coalesced writes for this engine.io server; False if its internals changed."""
    drivers = getattr(eio_server, "_async", None)
    if not isinstance(drivers, dict) or drivers.get("websocket") is not eio_aiohttp.WebSocket:
        return False
    eio_server._async = {**drivers, "websocket": CoalescingWebSocket}
    return True
