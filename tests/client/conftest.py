"""Fixtures for the client tests: our real server as a subprocess that can be restarted on the
same port and database, the Node seed stand-in, and waits that poll the client's state.

The process plumbing is the interop harness's (tests/interop), the restartable server and the
waits are in client_harness.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from sportello.client.api import SportelloClient
from sportello.client.records import ServerProfile
from tests.client.client_harness import FAST_BACKOFF
from tests.fakes.fake_gateway import FakeGateway
from tests.support.sportello_server import (
    Operator,
    RestartableServer,
    create_operator,
    server_module_missing,
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RestartableServer]:
    if server_module_missing():
        pytest.skip("sportello.server.run does not exist yet: our server has not landed")
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    running = RestartableServer(db_url)
    running.operators = [create_operator(db_url, "giulia"), create_operator(db_url, "marco")]
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def replying_server(tmp_path: Path) -> Iterator[RestartableServer]:
    """`server` with a WPPConnect gateway (a FakeGateway) to send replies through: a server
    without one refuses them at once (`no_gateway`). Customers write with
    `customer_writes_wpp`."""
    if server_module_missing():
        pytest.skip("sportello.server.run does not exist yet: our server has not landed")
    with FakeGateway.start_in_thread() as gateway:
        db_url = f"sqlite:///{tmp_path / 'server.db'}"
        flags = ["--wppconnect-url", gateway.wpp_base_url, "--wppconnect-session"]
        flags += [gateway.session, "--wppconnect-token", gateway.wpp_token]
        running = RestartableServer(db_url, flags)
        running.operators = [create_operator(db_url, "giulia"), create_operator(db_url, "marco")]
        running.start()
        try:
            yield running
        finally:
            running.stop()


@pytest.fixture
async def make_client(tmp_path: Path) -> AsyncIterator[Callable[..., SportelloClient]]:
    """Factory of started-later clients, all stopped at teardown."""
    made: list[SportelloClient] = []

    def make(
        url: str,
        operator: Operator | None = None,
        *,
        cache: str = "cache.db",
        token: str | None = None,
        user_id: str | None = None,
    ) -> SportelloClient:
        profile = ServerProfile(
            url=url,
            token=token if token is not None else (operator.token if operator else "none"),
            user_id=user_id if user_id is not None else (operator.id if operator else "1"),
            name="test",
        )
        client = SportelloClient(profile, tmp_path / cache, backoff=FAST_BACKOFF, sync_timeout=3.0)
        made.append(client)
        return client

    try:
        yield make
    finally:
        for client in made:
            await client.stop()
