"""Fixtures of the presence / alerts / window / gateway-health tests (issue 8).

The server side reuses the server tests' harness (a real server in this test's loop,
real Socket.IO clients); the client side the client tests' restartable server process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tests.server.server_harness import (
    Client,
    RunningServer,
    connect_operator,
)


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
