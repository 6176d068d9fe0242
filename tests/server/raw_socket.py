"""A Socket.IO client written with bare Engine.IO v4 WebSocket frames.

No client library stands between the test and the server, so the test can send what a
library would refuse or rewrite: reserved event names (`42/whatsapp,["disconnect"]`),
non-string names, hostile JSON.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

NAMESPACE = "/whatsapp"
TIMEOUT = 15.0


class RawSocket:
    """One Engine.IO connection on /whatsapp; `frames` keeps every text frame received."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self._session = session
        self._url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self.frames: list[str] = []
        self._acks = 0

    async def open(self, auth: Any = None) -> str:
        """Open the connection and join /whatsapp; the server's answer frame (40... or 44...)."""
        self._ws = await self._session.ws_connect(self._url)
        opened = await self.next_frame()
        assert opened.startswith("0{"), opened
        body = "" if auth is None else json.dumps(auth)
        await self.send(f"40{NAMESPACE},{body}")
        return await self.until(lambda f: f.startswith((f"40{NAMESPACE},", f"44{NAMESPACE},")))

    async def send(self, frame: str) -> None:
        assert self._ws is not None
        await self._ws.send_str(frame)

    async def emit(self, *items: Any) -> None:
        """A client event frame: the event name (any JSON value) and its arguments."""
        await self.send(f"42{NAMESPACE},{json.dumps(list(items))}")

    async def call(self, *items: Any) -> Any:
        """An event asking for an ack; the ack's first argument (None when it has none)."""
        self._acks += 1
        ack_id = self._acks
        await self.send(f"42{NAMESPACE},{ack_id}{json.dumps(list(items))}")
        prefix = f"43{NAMESPACE},{ack_id}"
        frame = await self.until(lambda f: f.startswith(prefix))
        data = json.loads(frame[len(prefix) :])
        return data[0] if data else None

    async def next_frame(self, timeout: float = TIMEOUT) -> str:
        """The next frame other than a ping (answered here, as a real client does)."""
        assert self._ws is not None
        while True:
            message = await self._ws.receive(timeout)
            if message.type is not aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"connection ended: {message.type.name}")
            frame = str(message.data)
            if frame == "2":
                await self._ws.send_str("3")
                continue
            self.frames.append(frame)
            return frame

    async def until(self, predicate: Any, timeout: float = TIMEOUT) -> str:
        try:
            async with asyncio.timeout(timeout):
                while True:
                    frame = await self.next_frame(timeout)
                    if predicate(frame):
                        return frame
        except TimeoutError:
            seen = self.frames[-5:]
            raise AssertionError(f"no such frame within {timeout} s; got {seen}") from None

    async def until_event(self, name: str, timeout: float = TIMEOUT) -> Any:
        """The first argument of the next event `name` pushed by the server."""
        prefix = f"42{NAMESPACE},"
        frame = await self.until(
            lambda f: f.startswith(prefix) and json.loads(f[len(prefix) :])[0] == name, timeout
        )
        data = json.loads(frame[len(prefix) :])
        return data[1] if len(data) > 1 else None

    async def barrier(self) -> None:
        """Wait until the server answered a frame sent now: every push queued for this
        connection before it has then arrived (one connection, one ordered queue)."""
        await self.send("40")  # join the default namespace: the server always answers
        await self.until(lambda f: f.startswith(("40{", "44{")))

    def events(self, name: str) -> list[Any]:
        prefix = f"42{NAMESPACE},"
        found = []
        for frame in self.frames:
            if frame.startswith(prefix):
                data = json.loads(frame[len(prefix) :])
                if data[0] == name:
                    found.append(data[1] if len(data) > 1 else None)
        return found

    def left_namespace(self) -> bool:
        return f"41{NAMESPACE}," in self.frames

    async def close(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
