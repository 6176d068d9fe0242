"""The Python side of the interop tests: a recording python-socketio client connected the way
our desktop client connects (our server as a subprocess is tests/support/sportello_server.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import socketio

from tests.support.line_process import DEFAULT_TIMEOUT
from tests.support.sportello_server import Operator, OurServer

NAMESPACE = "/whatsapp"


class PyClient:
    """A python-socketio AsyncClient on /whatsapp, connected the way our desktop client connects,
    recording every event it receives."""

    def __init__(self, url: str, *, token: str | None = None, transports: list[str] | None = None):
        self.url = url
        self.token = token
        self.transports = transports
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self._changed = asyncio.Condition()
        self.sio.on("*", self._record, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)

    async def _record(self, event: str, *args: Any) -> None:
        async with self._changed:
            self.events.append((event, args[0] if args else None))
            self._changed.notify_all()

    async def _on_disconnect(self, *args: Any) -> None:
        await self._record("disconnect", *args)

    async def connect(self) -> None:
        await self.sio.connect(
            self.url,
            namespaces=[NAMESPACE],
            transports=self.transports,
            auth={"token": self.token} if self.token else None,
            wait_timeout=DEFAULT_TIMEOUT,
        )

    @property
    def transport(self) -> str:
        name: str = self.sio.transport()
        return name

    async def emit(self, event: str, data: Any) -> None:
        await self.sio.emit(event, data, namespace=NAMESPACE)

    async def call(self, event: str, data: Any, timeout: float = 10.0) -> Any:
        return await self.sio.call(event, data, namespace=NAMESPACE, timeout=timeout)

    def mark(self) -> int:
        return len(self.events)

    async def wait_for(
        self,
        event: str,
        predicate: Callable[[Any], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        start: int = 0,
    ) -> Any:
        """Payload of the first `event` (matching `predicate`) recorded from index `start`."""
        index = start

        def found() -> tuple[bool, Any]:
            nonlocal index
            while index < len(self.events):
                name, data = self.events[index]
                index += 1
                if name == event and (predicate is None or predicate(data)):
                    return True, data
            return False, None

        try:
            async with asyncio.timeout(timeout), self._changed:
                while True:
                    ok, data = found()
                    if ok:
                        return data
                    await self._changed.wait()
        except TimeoutError:
            seen = [name for name, _ in self.events]
            raise AssertionError(f"no {event!r} within {timeout} s; received {seen}") from None

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        await self.sio.shutdown()


class RunningServer:
    """What `our_server` yields: the process plus the operators created for the test."""

    def __init__(self, process: OurServer, operators: list[Operator]) -> None:
        self.process = process
        self.url = process.url
        self.operators = operators

    def post_webhook(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        return self.process.post_webhook(path, body)
