"""A loopback server of the tests (a fake gateway, the simulator) on its own event loop in a
daemon thread, for synchronous tests: started, served until stopped, then closed there."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

Step = Callable[[], Coroutine[Any, Any, Any]]


def serve_in_thread(
    start: Step, close: Step, name: str
) -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
    """Run `start()` on a new loop in a thread, then the loop until `stop_served`, then
    `close()`. A failing start is raised here, in the caller's thread."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            loop.run_until_complete(start())
        except BaseException as exc:  # surfaced to the caller below
            errors.append(exc)
            started.set()
            loop.close()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(close())
        loop.close()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    if not started.wait(timeout=10):
        raise RuntimeError(f"{name} did not start within 10 s")
    if errors:
        raise errors[0]
    return loop, thread


def stop_served(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
