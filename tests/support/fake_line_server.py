"""A stand-in for the line routes of a Sportello server (`GET /api/gateway/line`,
`POST /api/gateway/line/start`, docs/protocol.md), for client and widget tests that need
an answer, a refusal or a 404 without a whole server and WPPConnect behind it.

    async with FakeLineServer() as server:   # server.url, server.line = {...}
        ...

`line` is the object `GET` answers with; `start_refusal = (409, "line_connected")` makes the
start refuse as the server does (its error body); `offered = False` answers 404 like a
server without the routes; `requests` records (method, path, Authorization header).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from aiohttp import web


def line(state: str, **fields: Any) -> dict[str, Any]:
    """A `line` object as the server sends it."""
    return {
        "gateway": "wppconnect",
        "session": "sportello",
        "state": state,
        "qr": None,
        "phoneCode": None,
        "phone": None,
        "detail": f"the line is {state}",
        "at": "2026-12-04T10:00:00.000Z",
        **fields,
    }


def _error(status: int, code: str) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": code.replace("_", " ")}}, status=status
    )


class FakeLineServer:
    def __init__(self) -> None:
        self.line: dict[str, Any] = line("CLOSED")
        self.started: dict[str, Any] = line("STARTING")  # what a start answers with
        self.start_refusal: tuple[int, str] | None = None
        self.read_refusal: tuple[int, str] | None = None
        self.offered = True
        self.requests: list[tuple[str, str, str]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakeLineServer:
        app = web.Application()
        app.router.add_get("/api/gateway/line", self._get)
        app.router.add_post("/api/gateway/line/start", self._start)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeLineServer:
        return await self.start()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.stop()

    def _record(self, request: web.Request) -> None:
        self.requests.append(
            (request.method, request.path, request.headers.get("Authorization", ""))
        )

    async def _get(self, request: web.Request) -> web.Response:
        self._record(request)
        if not self.offered:
            return _error(404, "not_found")
        if self.read_refusal is not None:
            return _error(*self.read_refusal)
        return web.json_response({"ok": True, "line": self.line})

    async def _start(self, request: web.Request) -> web.Response:
        self._record(request)
        if not self.offered:
            return _error(404, "not_found")
        if self.start_refusal is not None:
            return _error(*self.start_refusal)
        self.line = self.started
        return web.json_response({"ok": True, "line": self.line})
