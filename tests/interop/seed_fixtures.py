"""`seed`: the Node stand-in for the legacy seed back end, for the client, console and
desktop tests that speak to it (skips without node/npm); registered once by tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.interop.interop_node import (
    NodeUnavailable,
    SeedServer,
    ensure_node_package,
    find_node_tools,
)


@pytest.fixture
def seed() -> Iterator[SeedServer]:
    """The Node stand-in for the legacy seed back end (skips without node/npm)."""
    try:
        node, npm = find_node_tools()
        ensure_node_package(npm)
    except NodeUnavailable as exc:
        pytest.skip(str(exc))
    server = SeedServer(node)
    try:
        yield server
    finally:
        server.stop()
