"""`make_server`: real servers in the test's own loop (server_harness), for the server and
presence tests; registered once by tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.server.server_harness import (
    RunningServer,
    add_operator,
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
