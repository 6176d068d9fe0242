"""Fixtures of the server tests: a real server on loopback with two operators."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tests.fakes.fake_gateway import FakeGateway
from tests.server.server_fixtures import ServerFactory
from tests.server.server_harness import (
    Client,
    RunningServer,
    connect_operator,
)
from tests.support.databases import (
    create_postgres_database,
    drop_postgres_database,
    require_postgres,
)


@pytest.fixture
async def server(make_server: ServerFactory) -> RunningServer:
    return await make_server()


@pytest.fixture(params=["sqlite", "postgres"])
async def any_db_server(request, make_server, tmp_path):
    """A server on SQLite, then the same on a fresh PostgreSQL database."""
    async for server in _on_each_db(request, make_server):
        yield server


@pytest.fixture(params=["sqlite", "postgres"])
async def any_db_replying_server(request, make_server, tmp_path):
    """`any_db_server` with a WPPConnect gateway (a FakeGateway) to send replies through:
    without one, `sendMessage` is refused at once (`no_gateway`)."""
    async with FakeGateway() as gateway:
        flags = {
            "wppconnect_url": gateway.wpp_base_url,
            "wppconnect_session": gateway.session,
            "wppconnect_token": gateway.wpp_token,
        }
        async for server in _on_each_db(request, make_server, **flags):
            yield server


async def _on_each_db(request, make_server, **config):
    if request.param == "sqlite":
        yield await make_server(**config)
        return
    require_postgres()
    url, name = create_postgres_database()
    try:
        yield await make_server(url, **config)
    finally:
        await asyncio.sleep(0)
        request.addfinalizer(lambda: drop_postgres_database(name))


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
