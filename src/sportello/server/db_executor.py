"""Where the synchronous SQLAlchemy work runs: one writer thread, a small pool of readers.

One writer thread serializes every write of this node: on SQLite that is the only way
that does not fight over the file lock, on PostgreSQL it keeps this node's commits (and
so its broadcasts) in seq order. Throughput comes from group commit (see
`ingest_batcher`), not from parallel writers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sportello.store.events import StoredEvent

T = TypeVar("T")

EventSink = Callable[[Sequence[StoredEvent]], None]


class DbExecutor:
    """Runs blocking database calls off the event loop and publishes committed events."""

    def __init__(self, *, readers: int = 4) -> None:
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="db-reader")
        self._sink: EventSink | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def set_event_sink(self, sink: EventSink) -> None:
        """`sink(events)` runs on the loop for every committed batch, in commit order."""
        self._sink = sink
        self._loop = asyncio.get_running_loop()

    async def read(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._readers, work)

    async def write(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer, work)

    async def write_events(self, work: Callable[[], tuple[T, Sequence[StoredEvent]]]) -> T:
        """Run a write that returns (result, committed events); publish the events.

        The events are handed to the loop from the writer thread right after the commit,
        before the next write starts, so they reach the sink in commit (= seq) order.
        """

        def run() -> T:
            result, events = work()
            if events:
                self.publish_threadsafe(events)
            return result

        return await asyncio.get_running_loop().run_in_executor(self._writer, run)

    def publish_threadsafe(self, events: Sequence[StoredEvent]) -> None:
        if self._sink is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._sink, list(events))

    def shutdown(self) -> None:
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
