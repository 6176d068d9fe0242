"""Fixtures of the presence / alerts / window / gateway-health tests (issue 8).

The server side reuses the server tests' harness (a real server in this test's loop,
real Socket.IO clients); the client side the client tests' restartable server process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.server.server_harness import (
    Client,
    RunningServer,
    add_operator,
    connect_operator,
    make_config,
    open_db,
    start_server,
)

ServerFactory = Callable[..., Awaitable[RunningServer]]


@pytest.fixture
async def make_server(tmp_path: Path) -> AsyncIterator[ServerFactory]:
    started: list[RunningServer] = []

    async def make(db_url: str | None = None, **config: Any) -> RunningServer:
        db = open_db(db_url or f"sqlite:///{tmp_path / 'sportello.db'}")
        server = await start_server(db, make_config(**config))
        server.operators = {name: add_operator(db, name) for name in ("giulia", "marco")}
        started.append(server)
        return server

    yield make
    for server in reversed(started):
        await server.stop()
        server.db.dispose()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def connect() -> AsyncIterator[Callable[[RunningServer, str], Awaitable[Client]]]:
    made: list[Client] = []

    async def connect(server: RunningServer, name: str) -> Client:
        client = await connect_operator(server, server.operators[name])
        made.append(client)
        return client

    yield connect
    for client in made:
        await client.close()
