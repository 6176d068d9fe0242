"""What the client tests share besides fixtures: a fast reconnection backoff and waits that
poll the client's state (the restartable server is tests/support/sportello_server.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sportello.client.api import SportelloClient
from sportello.client.changes import StateChange
from sportello.client.connection import Backoff

FAST_BACKOFF = Backoff(base=0.1, factor=2.0, cap=0.8, jitter=0.3)


async def wait_until(check: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    """Poll `check` on the loop until it returns something truthy; fail saying `what`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


def record(client: SportelloClient) -> list[StateChange]:
    changes: list[StateChange] = []
    client.subscribe(changes.append)
    return changes
