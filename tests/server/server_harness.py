"""A real Sportello server on 127.0.0.1 (in this test's event loop), real Socket.IO
clients, and webhook helpers: what the server tests are written with."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import socketio
from aiohttp import web

from sportello.domain.rules import TicketRules
from sportello.domain.values import Role
from sportello.server.app import create_app
from sportello.server.config import ServerConfig
from sportello.server.context import CONTEXT, ServerContext
from sportello.server.search_index import ensure_search_indexes
from sportello.server.workers import WORKERS, Workers
from sportello.store.database import Database
from sportello.store.operators import create_operator, create_token

NAMESPACE = "/whatsapp"
WEBHOOK_SECRET = "s3cret-webhook"
META_APP_SECRET = "meta-app-secret"
META_VERIFY_TOKEN = "meta-verify"
TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class Operator:
    id: str
    name: str
    token: str
    password: str


def add_operator(db: Database, name: str, role: Role = Role.OPERATOR) -> Operator:
    password = f"{name}-password-1"
    with db.session() as session:
        operator = create_operator(session, name, role, password, display_name=name.title())
        token = create_token(session, name)
        session.commit()
        return Operator(str(operator.id), name, token, password)


def make_config(**overrides: Any) -> ServerConfig:
    base = ServerConfig(
        host="127.0.0.1",
        port=0,
        webhook_secret=WEBHOOK_SECRET,
        meta_app_secret=META_APP_SECRET,
        meta_verify_token=META_VERIFY_TOKEN,
        log_format="text",
        send_retry_base=0.05,
        send_retry_max=0.2,
    )
    return replace(base, **overrides)


@dataclass
class RunningServer:
    db: Database
    config: ServerConfig
    runner: web.AppRunner
    port: int
    operators: dict[str, Operator] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ctx(self) -> ServerContext:
        return self.runner.app[CONTEXT]  # type: ignore[index]

    @property
    def workers(self) -> Workers:
        return self.runner.app[WORKERS]  # type: ignore[index]

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_server(db: Database, config: ServerConfig) -> RunningServer:
    rules = TicketRules.default()
    if config.rules is not None:  # as run.py does: the file, read once at start
        rules = TicketRules.from_toml(Path(config.rules).read_text("utf-8"), source=config.rules)
    app = create_app(config, db, rules)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", config.port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return RunningServer(db, config, runner, port)


def open_db(url: str) -> Database:
    db = Database(url)
    db.upgrade()
    ensure_search_indexes(db)
    return db


class Client:
    """A python-socketio AsyncClient on /whatsapp recording every event it receives."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url
        self.token = token
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self._changed = asyncio.Condition()
        self.disconnected = asyncio.Event()
        self.sio.on("*", self._record, namespace=NAMESPACE)
        self.sio.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.connect_errors: list[Any] = []
        self.sio.on("connect_error", self.connect_errors.append, namespace=NAMESPACE)

    async def _record(self, event: str, *args: Any) -> None:
        async with self._changed:
            self.events.append((event, args[0] if args else None))
            self._changed.notify_all()

    async def _on_disconnect(self, *args: Any) -> None:
        self.disconnected.set()
        async with self._changed:
            self._changed.notify_all()

    async def connect(self, *, auth: Any = "token") -> None:
        if auth == "token":
            auth = {"token": self.token} if self.token else None
        await self.sio.connect(
            self.url,
            namespaces=[NAMESPACE],
            auth=auth,
            transports=["websocket"],
            wait_timeout=TIMEOUT,
        )

    async def authenticate(self, user_id: str, token: str | None = None) -> dict[str, Any]:
        start = len(self.events)
        payload: dict[str, Any] = {"userId": user_id}
        if token:
            payload["token"] = token
        await self.sio.emit("authenticate", payload, namespace=NAMESPACE)
        answer = await self.wait_for("authenticated", start=start)
        if answer.get("success"):
            await self.wait_for("unreadMessages", start=start)
        return answer

    async def call(self, event: str, data: Any = None) -> Any:
        return await self.sio.call(event, data, namespace=NAMESPACE, timeout=TIMEOUT)

    async def emit(self, event: str, data: Any = None) -> None:
        await self.sio.emit(event, data, namespace=NAMESPACE)

    def named(self, event: str) -> list[Any]:
        return [data for name, data in self.events if name == event]

    async def wait_for(
        self,
        event: str,
        predicate: Callable[[Any], bool] | None = None,
        *,
        start: int = 0,
        timeout: float = TIMEOUT,
    ) -> Any:
        index = start
        try:
            async with asyncio.timeout(timeout), self._changed:
                while True:
                    while index < len(self.events):
                        name, data = self.events[index]
                        index += 1
                        if name == event and (predicate is None or predicate(data)):
                            return data
                    await self._changed.wait()
        except TimeoutError:
            seen = [name for name, _ in self.events][-20:]
            raise AssertionError(f"no {event!r} within {timeout} s; last seen {seen}") from None

    async def wait_count(self, event: str, count: int, timeout: float = TIMEOUT) -> list[Any]:
        try:
            async with asyncio.timeout(timeout), self._changed:
                while len(self.named(event)) < count:
                    await self._changed.wait()
        except TimeoutError:
            raise AssertionError(
                f"{len(self.named(event))} {event!r} of {count} within {timeout} s"
            ) from None
        return self.named(event)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        await self.sio.shutdown()


class HasUrl(Protocol):
    """A server under test: an in-process one or a child process."""

    url: str


async def connect_operator(server: HasUrl, operator: Operator) -> Client:
    client = Client(server.url, operator.token)
    await client.connect()
    answer = await client.authenticate(operator.id)
    assert answer["success"] is True, answer
    return client


async def post(
    http: aiohttp.ClientSession,
    url: str,
    body: Any,
    *,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> tuple[int, Any]:
    data = raw if raw is not None else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    async with http.post(url, data=data, headers=all_headers) as response:
        text = await response.text()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text


async def post_wpp(
    http: aiohttp.ClientSession, server: RunningServer, body: Any, **kwargs: Any
) -> tuple[int, Any]:
    return await post(
        http,
        f"{server.url}/webhooks/wppconnect",
        body,
        headers={"X-Webhook-Token": WEBHOOK_SECRET},
        **kwargs,
    )
