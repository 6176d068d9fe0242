"""Fixtures of the server tests: a real server on loopback with two operators."""

from __future__ import annotations

import asyncio
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
from tests.support.databases import (
    create_postgres_database,
    drop_postgres_database,
    require_postgres,
)

ServerFactory = Callable[..., Awaitable[RunningServer]]


@pytest.fixture
async def make_server(tmp_path: Path) -> AsyncIterator[ServerFactory]:
    started: list[RunningServer] = []

    async def make(db_url: str | None = None, **config: Any) -> RunningServer:
        db = open_db(db_url or f"sqlite:///{tmp_path / 'sportello.db'}")
        operators = {}
        for name in ("giulia", "marco"):
            try:
                operators[name] = add_operator(db, name)
            except Exception:  # already there (second server on the same database)
                break
        server = await start_server(db, make_config(**config))
        server.operators = operators
        started.append(server)
        return server

    yield make
    for server in reversed(started):
        await server.stop()
        server.db.dispose()


@pytest.fixture
async def server(make_server: ServerFactory) -> RunningServer:
    return await make_server()


@pytest.fixture(params=["sqlite", "postgres"])
async def any_db_server(request, make_server, tmp_path):
    """A server on SQLite, then the same on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield await make_server()
        return
    require_postgres()
    url, name = create_postgres_database()
    try:
        yield await make_server(url)
    finally:
        await asyncio.sleep(0)
        request.addfinalizer(lambda: drop_postgres_database(name))


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def clients(server: RunningServer) -> AsyncIterator[Callable[..., Awaitable[Client]]]:
    made: list[Client] = []

    async def connect(name: str = "giulia") -> Client:
        client = await connect_operator(server, server.operators[name])
        made.append(client)
        return client

    yield connect
    for client in made:
        await client.close()
