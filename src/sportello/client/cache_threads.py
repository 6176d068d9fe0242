"""The cache's two worker threads, each with its own SQLite connection (WAL lets them run
together), so the event loop never waits on the disk.

- the writer drains a queue and commits everything queued in one transaction, so a burst of
  events costs one fsync;
- the reader answers queries one at a time, off the loop.

Kept apart from `Cache` (cache.py), which says what is written and asked: this module knows
no table, only how a write reaches the disk and a query comes back.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from sportello.system.private_files import prepare_private_sqlite

log = logging.getLogger(__name__)

T = TypeVar("T")
Write = Callable[[sqlite3.Connection], object]


def _close_marker(conn: sqlite3.Connection) -> object:
    """Queued by close(): the writer commits what came before it, then stops."""


_CLOSE: Write = _close_marker


def _connect(path: Path) -> sqlite3.Connection:
    # Customers' messages and the unsent replies: 0600, like the server's database.
    prepare_private_sqlite(path)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=True)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across app crashes
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


class CacheThreads:
    """The writer and reader threads of one cache file; `prepare` makes its tables."""

    def __init__(self, path: Path, prepare: Callable[[sqlite3.Connection], None]) -> None:
        self.path = path
        self._prepare = prepare
        self._writes: queue.SimpleQueue[tuple[Write | None, Future[None] | None]] = (
            queue.SimpleQueue()
        )
        self._writer: threading.Thread | None = None
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache-reader")
        self._reader_local = threading.local()
        self.write_errors = 0

    # ---- lifecycle ----------------------------------------------------------------------

    async def open(self) -> None:
        ready: Future[None] = Future()
        self._writer = threading.Thread(
            target=self._write_loop, args=(ready,), name="cache-writer", daemon=True
        )
        self._writer.start()
        await asyncio.wrap_future(ready)

    async def close(self) -> None:
        """Commit what is queued, then stop both threads."""
        if self._writer is None:
            return
        done: Future[None] = Future()
        self._writes.put((_CLOSE, done))
        await asyncio.wrap_future(done)
        self._writer = None
        await asyncio.get_running_loop().run_in_executor(self._reader, self._close_reader)
        self._reader.shutdown(wait=True)

    # ---- the writer ---------------------------------------------------------------------

    def _write_loop(self, ready: Future[None]) -> None:
        try:
            conn = _connect(self.path)
            self._prepare(conn)
        except (sqlite3.Error, OSError) as exc:  # OSError: its folder or mode cannot be set
            ready.set_exception(exc)
            return
        ready.set_result(None)
        stopping = False
        while not stopping:
            batch = [self._writes.get()]
            while len(batch) < 5000:  # bound one transaction; the rest goes in the next
                try:
                    batch.append(self._writes.get_nowait())
                except queue.Empty:
                    break
            waiters: list[Future[None]] = []
            try:
                conn.execute("BEGIN IMMEDIATE")
                for write, waiter in batch:
                    if write is _CLOSE:
                        stopping = True
                    elif write is not None:
                        write(conn)
                    if waiter is not None:
                        waiters.append(waiter)
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                # A write that fails is a bug or a broken disk: log it once with the batch size,
                # roll back, and fail the waiters so callers (the outbox) know.
                self.write_errors += 1
                log.error("cache write of %d operations failed: %s", len(batch), exc)
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_exception(exc)
                continue
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
        conn.close()

    def write(self, op: Write) -> None:
        """Queue a write; it commits with the next batch (never blocks the caller)."""
        self._writes.put((op, None))

    async def commit(self, op: Write | None = None) -> None:
        """Queue a write (or nothing) and wait until it, and all before it, are committed."""
        done: Future[None] = Future()
        self._writes.put((op, done))
        await asyncio.wrap_future(done)

    # ---- the reader ---------------------------------------------------------------------

    def _reader_conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._reader_local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            self._reader_local.conn = conn
        return conn

    def _close_reader(self) -> None:
        conn = getattr(self._reader_local, "conn", None)
        if conn is not None:
            conn.close()
            self._reader_local.conn = None

    async def read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        """Run `query` on the reader thread's connection; its answer comes back here."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reader, lambda: query(self._reader_conn()))
