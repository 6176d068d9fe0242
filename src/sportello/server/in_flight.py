"""The HTTP requests a server is handling right now, WebSockets and long polls included.

A shutdown waits for them while aiohttp still reads their connections (see run.py): a
webhook whose body is still arriving, a REST call, a console's WebSocket closing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class InFlightRequests:
    """Counts requests from the moment their handler starts until it returns."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.count += 1
        self._idle.clear()
        try:
            return await handler(request)
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def wait_idle(self) -> None:
        """Return when no request is being handled."""
        await self._idle.wait()
