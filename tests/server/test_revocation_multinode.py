"""Two server processes on one PostgreSQL with --redis: a logout through node A ends the
same token's socket on node B at B's next re-check (A cannot reach B's sockets directly)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import aiohttp
import pytest

from sportello.server.revocation import SESSION_ENDED
from tests.server.server_harness import (
    TIMEOUT,
    WEBHOOK_SECRET,
    Client,
    Operator,
    add_operator,
    connect_operator,
    open_db,
    post,
)
from tests.support.databases import (
    REDIS_URL,
    create_postgres_database,
    drop_postgres_database,
    redis_available,
    require_postgres,
)
from tests.support.server_process import ServerProcess

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
RECHECK = "0.3"  # seconds: how often tokens are re-checked, kept short as in test_revocation


@pytest.fixture
def two_nodes() -> Iterator[tuple[list[ServerProcess], dict[str, Operator]]]:
    require_postgres()
    if not redis_available():
        pytest.skip("Redis on 127.0.0.1:6379 is unreachable")
    url, name = create_postgres_database()
    db = open_db(url)
    operators = {n: add_operator(db, n) for n in ("giulia", "marco")}
    db.dispose()
    channel = f"sportello-test-{uuid.uuid4().hex[:8]}"
    args = ("--token-recheck-interval", RECHECK, "--redis", REDIS_URL, "--redis-channel", channel)
    nodes = [ServerProcess(url, WEBHOOK_SECRET, *args) for _ in "ab"]
    try:
        for node in nodes:
            node.wait_healthy()
        yield nodes, operators
    finally:
        codes = [node.stop() for node in nodes]
        drop_postgres_database(name)
    assert codes == [0, 0]


async def test_logout_on_one_node_ends_the_tokens_socket_on_the_other(two_nodes) -> None:
    (a, b), operators = two_nodes
    giulia, marco = operators["giulia"], operators["marco"]
    on_a = await connect_operator(a, giulia)
    on_b = await connect_operator(b, giulia)
    colleague_on_b = await connect_operator(b, marco)
    clients: list[Client] = [on_a, on_b, colleague_on_b]
    try:
        async with aiohttp.ClientSession() as http:
            status, body = await post(
                http,
                f"{a.url}/api/auth/logout",
                None,
                headers={"Authorization": f"Bearer {giulia.token}"},
            )
        assert (status, body) == (200, {"ok": True, "endedSockets": 1})
        assert (await on_a.wait_for(SESSION_ENDED))["reason"] == "logged_out"
        assert (await on_b.wait_for(SESSION_ENDED))["reason"] == "token_revoked"
        for socket in (on_a, on_b):
            await asyncio.wait_for(socket.disconnected.wait(), TIMEOUT)
        # Each socket was told once: node A's event did not also travel through Redis.
        assert len(on_a.named(SESSION_ENDED)) == 1 and len(on_b.named(SESSION_ENDED)) == 1
        assert colleague_on_b.sio.connected and not colleague_on_b.named(SESSION_ENDED)
    finally:
        for client in clients:
            await client.close()
