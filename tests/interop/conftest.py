"""Fixtures for the Socket.IO interop tests (PROTOCOL.md section 3).

- `node_tools`: (node, npm) with the pinned harness package installed (`npm ci` once per
  session when node_modules is missing or stale). Skips without node/npm, but FAILS when
  SPORTELLO_REQUIRE_NODE=1 (CI), so that CI can never go green by skipping the interop.
- `seed_server`: the Node stand-in for the seed back end on a free port (a `SeedServer`).
- `node_client`: factory `node_client(url, token=..., user_id=..., transports=...)` that starts
  `node/seed_client.js` and returns a connected-or-refused `NodeClient`; all closed at teardown.
- `py_client`: async factory `await py_client(url, token=..., transports=...)` returning a
  connected, recording python-socketio `PyClient`; all closed at teardown.
- `our_server`: our server (`python -m sportello.cli server`) on a free port with a fresh
  SQLite file and webhook secret `s3cret`, healthy, with `our_server.operators` = two
  operators with tokens. Skips only while `sportello.server.run` does not exist.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.interop.interop_node import (
    NodeClient,
    NodeUnavailable,
    SeedServer,
    ensure_node_package,
    find_node_tools,
)
from tests.interop.interop_sportello import PyClient, RunningServer
from tests.support.sportello_server import OurServer, create_operator, server_module_missing

WEBHOOK_SECRET = "s3cret"


def _node_required() -> bool:
    return os.environ.get("SPORTELLO_REQUIRE_NODE") == "1"


@pytest.fixture(scope="session")
def node_tools() -> tuple[str, str]:
    """(node, npm) paths, with tests/interop/node/node_modules installed from the lockfile."""
    try:
        node, npm = find_node_tools()
        ensure_node_package(npm)
    except NodeUnavailable as exc:
        if _node_required():
            pytest.fail(f"SPORTELLO_REQUIRE_NODE=1 but {exc}", pytrace=False)
        pytest.skip(str(exc))
    return node, npm


@pytest.fixture
def node(node_tools: tuple[str, str]) -> str:
    return node_tools[0]


@pytest.fixture
def seed_server(node: str) -> Iterator[SeedServer]:
    server = SeedServer(node)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def node_client(node: str) -> Iterator[Callable[..., NodeClient]]:
    started: list[NodeClient] = []

    def start(url: str, **options: Any) -> NodeClient:
        client = NodeClient(node, url, **options)
        started.append(client)
        return client

    try:
        yield start
    finally:
        for client in started:
            client.stop()


@pytest.fixture
async def py_client() -> AsyncIterator[Callable[..., Awaitable[PyClient]]]:
    started: list[PyClient] = []

    async def start(url: str, **options: Any) -> PyClient:
        client = PyClient(url, **options)
        started.append(client)
        await client.connect()
        return client

    try:
        yield start
    finally:
        for client in started:
            await client.close()


@pytest.fixture
def our_server(tmp_path: Path) -> Iterator[RunningServer]:
    if server_module_missing():
        pytest.skip("sportello.server.run does not exist yet: our server has not landed")
    db_url = f"sqlite:///{tmp_path / 'sportello.db'}"
    # Operators first: the CLI creates and migrates the database before the server opens it.
    operators = [create_operator(db_url, "giulia"), create_operator(db_url, "marco")]
    process = OurServer(db_url, WEBHOOK_SECRET)
    try:
        process.wait_healthy()
        yield RunningServer(process, operators)
    finally:
        process.stop_gracefully()
