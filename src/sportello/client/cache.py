"""Local SQLite cache of one server profile: what the window shows before the network answers.

`Cache` says what is stored and asked: pages of conversations and threads, tickets, a first
start's snapshot, the outbox. Writes are queued to one writer thread that commits a burst
of them in one transaction; reads go to one reader thread (both in cache_threads.py), so
the event loop never waits on the disk. Every page is a keyset query on an index, so
opening a conversation of 100,000 messages reads 50 rows, not 100,000. How records are
laid out in the tables is cache_tables.py.
The last applied `seq` is written in the same transaction as the events it covers: after a
crash the cache and its seq agree, and `sync` resumes from there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sportello.client.cache_tables import (
    CONVERSATION_SELECT,
    MESSAGE_COLUMNS,
    conversation_from_row,
    create_tables,
    message_from_row,
    ticket_from_row,
    ticket_row,
    upsert_messages,
)
from sportello.client.cache_threads import CacheThreads, Write
from sportello.client.records import LOCAL_ID_PREFIX, Conversation, Message, Ticket
from sportello.domain.values import DeliveryStatus


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A message composed here: durable before anything else happens to it."""

    client_id: str
    conversation_id: str | None
    to: str | None
    body: str
    created_at: str
    state: str = "pending"  # "pending" (to send) or "failed" (the server refused it)
    error: str | None = None

    @property
    def placeholder_id(self) -> str:
        return LOCAL_ID_PREFIX + self.client_id


class Cache:
    """The cache file of one server profile. Open with `await open()`, close with `close()`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._threads = CacheThreads(self.path, create_tables)

    @property
    def write_errors(self) -> int:
        """Batches the writer rolled back (each logged once)."""
        return self._threads.write_errors

    async def open(self) -> None:
        await self._threads.open()

    async def close(self) -> None:
        """Commit what is queued, then stop both threads."""
        await self._threads.close()

    def write(self, op: Write) -> None:
        """Queue a write; it commits with the next batch (never blocks the caller)."""
        self._threads.write(op)

    async def commit(self, op: Write | None = None) -> None:
        """Queue a write (or nothing) and wait until it, and all before it, are committed."""
        await self._threads.commit(op)

    async def flush(self) -> None:
        await self.commit(None)

    # ---- reads (on the reader thread) ---------------------------------------------------

    async def conversations_page(
        self, limit: int, before: tuple[str, str] | None = None
    ) -> list[Conversation]:
        """Conversations by last activity, newest first, strictly older than `before`."""

        def query(conn: sqlite3.Connection) -> list[Conversation]:
            sql = CONVERSATION_SELECT
            args: tuple[Any, ...] = ()
            if before is not None:
                sql += "WHERE (c.last_ts, c.id) < (?, ?) "
                args = before
            sql += "ORDER BY c.last_ts DESC, c.id DESC LIMIT ?"
            return [conversation_from_row(row) for row in conn.execute(sql, (*args, limit))]

        return await self._threads.read(query)

    async def unread_index(self) -> list[tuple[str, str, str]]:
        """Every unread incoming message as (conversation id, message id, timestamp)."""
        return await self._threads.read(
            lambda conn: conn.execute(
                "SELECT conversation_id, id, ts FROM messages "
                "WHERE direction = 'incoming' AND status != 'read'"
            ).fetchall()
        )

    async def tickets(self) -> list[Ticket]:
        return await self._threads.read(
            lambda conn: [ticket_from_row(row) for row in conn.execute("SELECT * FROM tickets")]
        )

    async def messages_page(
        self, conversation_id: str, limit: int, before: tuple[str, str] | None = None
    ) -> list[Message]:
        """A page of a thread, newest first, strictly older than `before` (timestamp, id)."""

        def query(conn: sqlite3.Connection) -> list[Message]:
            sql = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? "
            args: tuple[Any, ...] = (conversation_id,)
            if before is not None:
                sql += "AND (ts, id) < (?, ?) "
                args = (*args, *before)
            sql += "ORDER BY ts DESC, id DESC LIMIT ?"
            return [message_from_row(row) for row in conn.execute(sql, (*args, limit))]

        return await self._threads.read(query)

    async def message(self, message_id: str) -> Message | None:
        def query(conn: sqlite3.Connection) -> Message | None:
            row = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            return message_from_row(row) if row else None

        return await self._threads.read(query)

    async def has_gap(self, conversation_id: str) -> bool:
        """True if the thread's cached messages may miss some (it came from a snapshot)."""
        return await self._threads.read(
            lambda conn: (
                conn.execute(
                    "SELECT 1 FROM thread_gaps WHERE conversation_id = ?", (conversation_id,)
                ).fetchone()
                is not None
            )
        )

    async def oldest_key(self, conversation_id: str) -> tuple[str, str] | None:
        """(timestamp, id) of the thread's oldest cached message."""

        def query(conn: sqlite3.Connection) -> tuple[str, str] | None:
            row = conn.execute(
                "SELECT ts, id FROM messages WHERE conversation_id = ? ORDER BY ts, id LIMIT 1",
                (conversation_id,),
            ).fetchone()
            return (row[0], row[1]) if row else None

        return await self._threads.read(query)

    async def meta(self, key: str) -> str | None:
        def query(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return str(row[0]) if row else None

        return await self._threads.read(query)

    async def last_seq(self) -> int:
        value = await self.meta("last_seq")
        return int(value) if value else 0

    async def outbox_entries(self) -> list[OutboxEntry]:
        """Every message composed here and not yet acknowledged, oldest first."""
        return await self._threads.read(
            lambda conn: [
                OutboxEntry(*row)
                for row in conn.execute(
                    "SELECT client_id, conversation_id, to_phone, body, created_at, state, error "
                    "FROM outbox ORDER BY created_at, client_id"
                )
            ]
        )

    # ---- writes (queued) ----------------------------------------------------------------

    def put_messages(self, messages: Sequence[Message]) -> None:
        if messages:
            self.write(lambda conn: upsert_messages(conn, messages))

    def set_status(
        self, message_id: str, status: DeliveryStatus, error: str | None, *, retry: bool = False
    ) -> None:
        """A status only moves forward; `retry` (an operator sent a failed reply again)
        replaces `failed` and its error."""
        if retry:
            self.write(
                lambda conn: conn.execute(
                    "UPDATE messages SET status = ?, status_rank = ?, error = NULL WHERE id = ?",
                    (status.value, status.rank, message_id),
                )
            )
            return
        self.write(
            lambda conn: conn.execute(
                "UPDATE messages SET status = ?, status_rank = ?, error = coalesce(?, error) "
                "WHERE id = ? AND status_rank <= ?",
                (status.value, status.rank, error, message_id, status.rank),
            )
        )

    def mark_read(self, message_id: str, cascade: bool) -> None:
        """The message (and with `cascade` every earlier unread incoming one) is read."""

        def op(conn: sqlite3.Connection) -> None:
            row = conn.execute(
                "SELECT conversation_id, ts FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            if row is None:
                return
            rank = DeliveryStatus.READ.rank
            if cascade:
                conn.execute(
                    "UPDATE messages SET status = 'read', status_rank = ? WHERE conversation_id = ?"
                    " AND direction = 'incoming' AND status != 'read' AND ts <= ?",
                    (rank, row[0], row[1]),
                )
            conn.execute(
                "UPDATE messages SET status = 'read', status_rank = ? WHERE id = ?",
                (rank, message_id),
            )

        self.write(op)

    def put_tickets(self, tickets: Iterable[Ticket]) -> None:
        rows = [ticket_row(t) for t in tickets]
        if rows:
            self.write(
                lambda conn: conn.executemany(
                    "INSERT OR REPLACE INTO tickets VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows
                )
            )

    def put_snapshot(
        self,
        conversations: Sequence[Conversation],
        messages: Sequence[Message],
        unread_ids: Iterable[str],
        tickets: Iterable[Ticket],
    ) -> None:
        """Store a first start's snapshot (client/snapshot.py) in one queued write.

        `messages` are the last message of each conversation and every unread one; incoming
        messages cached as unread that are not in `unread_ids` were read meanwhile. The rows
        take the server's titles; every snapshot thread is marked as having a gap: its older
        history is on the server only, and the thread is filled when it is first opened.
        """
        rows = [
            (
                c.id,
                c.title,
                c.phone,
                int(c.is_group),
                c.last_activity,
                c.last_preview,
                c.last_direction.value if c.last_direction else None,
            )
            for c in conversations
        ]
        last_ids = {m.conversation_id: m.id for m in messages}
        unread = [(mid,) for mid in unread_ids]
        ticket_rows = [ticket_row(t) for t in tickets]

        def op(conn: sqlite3.Connection) -> None:
            upsert_messages(conn, messages)
            conn.executemany(
                "INSERT INTO conversations (id, title, phone, is_group, last_ts, last_id, "
                "last_preview, last_direction) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE"
                " SET title = excluded.title, phone = coalesce(excluded.phone, phone), "
                "is_group = excluded.is_group, last_ts = excluded.last_ts, last_id = "
                "excluded.last_id, last_preview = excluded.last_preview, last_direction = "
                "excluded.last_direction WHERE (excluded.last_ts, excluded.last_id) >= "
                "(last_ts, last_id)",
                [(*r[:5], last_ids.get(r[0], ""), *r[5:]) for r in rows],
            )
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS snapshot_unread (id TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM snapshot_unread")
            conn.executemany("INSERT OR IGNORE INTO snapshot_unread VALUES (?)", unread)
            conn.execute(
                "UPDATE messages SET status = 'read', status_rank = ? WHERE direction = "
                "'incoming' AND status != 'read' AND id NOT IN (SELECT id FROM snapshot_unread)",
                (DeliveryStatus.READ.rank,),
            )
            conn.execute("DELETE FROM snapshot_unread")
            conn.executemany(
                "INSERT OR REPLACE INTO tickets VALUES (?,?,?,?,?,?,?,?,?,?,?)", ticket_rows
            )
            conn.executemany(
                "INSERT OR IGNORE INTO thread_gaps VALUES (?)", [(r[0],) for r in rows]
            )

        self.write(op)

    def close_gap(self, conversation_id: str) -> None:
        """The thread's cached messages are now a contiguous run up to the newest."""
        self.write(
            lambda conn: conn.execute(
                "DELETE FROM thread_gaps WHERE conversation_id = ?", (conversation_id,)
            )
        )

    def set_meta(self, key: str, value: str) -> None:
        self.write(
            lambda conn: conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        )

    def set_last_seq(self, seq: int) -> None:
        """Queued after the writes of the events it covers: same transaction or a later one."""
        self.set_meta("last_seq", str(seq))

    # ---- outbox -------------------------------------------------------------------------

    async def outbox_add(self, entry: OutboxEntry, placeholder: Message) -> None:
        """Store a composed message and its placeholder; returns once it is on disk."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO outbox VALUES (?,?,?,?,?,?,?)",
                (
                    entry.client_id,
                    entry.conversation_id,
                    entry.to,
                    entry.body,
                    entry.created_at,
                    entry.state,
                    entry.error,
                ),
            )
            upsert_messages(conn, [placeholder])

        await self.commit(op)

    def outbox_done(self, client_id: str, message: Message | None) -> None:
        """The server acknowledged: the placeholder gives way to the stored message."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM outbox WHERE client_id = ?", (client_id,))
            conn.execute("DELETE FROM messages WHERE id = ?", (LOCAL_ID_PREFIX + client_id,))
            if message is not None:
                upsert_messages(conn, [message])

        self.write(op)

    def outbox_failed(self, client_id: str, error: str) -> None:
        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE outbox SET state = 'failed', error = ? WHERE client_id = ?",
                (error, client_id),
            )
            conn.execute(
                "UPDATE messages SET status = 'failed', status_rank = ?, error = ? WHERE id = ?",
                (DeliveryStatus.FAILED.rank, error, LOCAL_ID_PREFIX + client_id),
            )

        self.write(op)

    def outbox_retry(self, client_id: str) -> None:
        """A refused message is sent again as it is: pending, its placeholder queued."""

        def op(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE outbox SET state = 'pending', error = NULL WHERE client_id = ?",
                (client_id,),
            )
            conn.execute(
                "UPDATE messages SET status = 'queued', status_rank = ?, error = NULL WHERE id = ?",
                (DeliveryStatus.QUEUED.rank, LOCAL_ID_PREFIX + client_id),
            )

        self.write(op)

    def outbox_discard(self, client_id: str) -> None:
        """A local message given up for good (its entry is gone)."""
        self.outbox_done(client_id, None)
