"""Local SQLite cache of one server profile: what the window shows before the network answers.

Two worker threads, each with its own connection (WAL lets them run together):
- the writer drains a queue and commits everything queued in one transaction, so a burst of
  events costs one fsync, and the event loop never waits on the disk;
- the reader answers page queries; every page is a keyset query on an index, so opening a
  conversation of 100,000 messages reads 50 rows, not 100,000.
The last applied `seq` is written in the same transaction as the events it covers: after a
crash the cache and its seq agree, and `sync` resumes from there.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sportello.client.records import (
    KIND_MARK,
    LOCAL_ID_PREFIX,
    Conversation,
    MediaInfo,
    Message,
    Ticket,
    conversation_preview,
)
from sportello.domain.values import DeliveryStatus, Direction, MessageType, Priority, TicketStatus
from sportello.system.private_files import prepare_private_sqlite

log = logging.getLogger(__name__)

T = TypeVar("T")
Write = Callable[[sqlite3.Connection], object]


def _close_marker(conn: sqlite3.Connection) -> object:
    """Queued by close(): the writer commits what came before it, then stops."""


_CLOSE: Write = _close_marker

SCHEMA_VERSION = 2  # 2: a preview without text is KIND_MARK + type (1 wrote "[type]")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, phone TEXT, is_group INTEGER NOT NULL DEFAULT 0,
    last_ts TEXT NOT NULL DEFAULT '', last_id TEXT NOT NULL DEFAULT '',
    last_preview TEXT NOT NULL DEFAULT '', last_direction TEXT);
CREATE INDEX IF NOT EXISTS conversations_recent ON conversations (last_ts DESC, id DESC);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, ts TEXT NOT NULL,
    direction TEXT NOT NULL, status TEXT NOT NULL, status_rank INTEGER NOT NULL,
    body TEXT NOT NULL, type TEXT NOT NULL, sender_name TEXT, phone TEXT, ticket_id TEXT,
    media TEXT, client_id TEXT, error TEXT, is_group INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_thread ON messages (conversation_id, ts, id);
CREATE INDEX IF NOT EXISTS messages_unread ON messages (conversation_id, ts)
    WHERE direction = 'incoming' AND status != 'read';
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY, number TEXT NOT NULL, conversation_id TEXT, title TEXT NOT NULL,
    status TEXT NOT NULL, priority TEXT NOT NULL, description TEXT NOT NULL,
    contact_id TEXT, assignee_id TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tickets_conversation ON tickets (conversation_id, created_at);
CREATE TABLE IF NOT EXISTS thread_gaps (conversation_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS outbox (
    client_id TEXT PRIMARY KEY, conversation_id TEXT, to_phone TEXT, body TEXT NOT NULL,
    created_at TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', error TEXT);
"""

_MESSAGE_COLUMNS = (
    "id, conversation_id, ts, direction, status, body, type, sender_name, phone, "
    "ticket_id, media, client_id, error, is_group"
)


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


def _connect(path: Path) -> sqlite3.Connection:
    # Customers' messages and the unsent replies: 0600, like the server's database.
    prepare_private_sqlite(path)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=True)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across app crashes
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


class Cache:
    """The cache file of one server profile. Open with `await open()`, close with `close()`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
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
            conn.executescript(_SCHEMA)
            _upgrade(conn)
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

    async def flush(self) -> None:
        await self.commit(None)

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

    async def _read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reader, lambda: query(self._reader_conn()))

    async def conversations_page(
        self, limit: int, before: tuple[str, str] | None = None
    ) -> list[Conversation]:
        """Conversations by last activity, newest first, strictly older than `before`."""

        def query(conn: sqlite3.Connection) -> list[Conversation]:
            sql = (
                "SELECT id, title, phone, is_group, last_ts, last_preview, last_direction "
                "FROM conversations "
            )
            args: tuple[Any, ...] = ()
            if before is not None:
                sql += "WHERE (last_ts, id) < (?, ?) "
                args = before
            sql += "ORDER BY last_ts DESC, id DESC LIMIT ?"
            return [_conversation(row) for row in conn.execute(sql, (*args, limit))]

        return await self._read(query)

    async def unread_index(self) -> list[tuple[str, str, str]]:
        """Every unread incoming message as (conversation id, message id, timestamp)."""
        return await self._read(
            lambda conn: conn.execute(
                "SELECT conversation_id, id, ts FROM messages "
                "WHERE direction = 'incoming' AND status != 'read'"
            ).fetchall()
        )

    async def tickets(self) -> list[Ticket]:
        return await self._read(
            lambda conn: [_ticket(row) for row in conn.execute("SELECT * FROM tickets")]
        )

    async def messages_page(
        self, conversation_id: str, limit: int, before: tuple[str, str] | None = None
    ) -> list[Message]:
        """A page of a thread, newest first, strictly older than `before` (timestamp, id)."""

        def query(conn: sqlite3.Connection) -> list[Message]:
            sql = f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? "
            args: tuple[Any, ...] = (conversation_id,)
            if before is not None:
                sql += "AND (ts, id) < (?, ?) "
                args = (*args, *before)
            sql += "ORDER BY ts DESC, id DESC LIMIT ?"
            return [_message(row) for row in conn.execute(sql, (*args, limit))]

        return await self._read(query)

    async def message(self, message_id: str) -> Message | None:
        def query(conn: sqlite3.Connection) -> Message | None:
            row = conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            return _message(row) if row else None

        return await self._read(query)

    async def has_gap(self, conversation_id: str) -> bool:
        """True if the thread's cached messages may miss some (it came from a snapshot)."""
        return await self._read(
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

        return await self._read(query)

    async def meta(self, key: str) -> str | None:
        def query(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return str(row[0]) if row else None

        return await self._read(query)

    async def last_seq(self) -> int:
        value = await self.meta("last_seq")
        return int(value) if value else 0

    async def outbox_entries(self) -> list[OutboxEntry]:
        """Every message composed here and not yet acknowledged, oldest first."""
        return await self._read(
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

    def set_status(self, message_id: str, status: DeliveryStatus, error: str | None) -> None:
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
        rows = [_ticket_row(t) for t in tickets]
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
        ticket_rows = [_ticket_row(t) for t in tickets]

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

    def outbox_discard(self, client_id: str) -> None:
        """A failed local message replaced by its retry."""
        self.outbox_done(client_id, None)


def upsert_messages(conn: sqlite3.Connection, messages: Sequence[Message]) -> None:
    """Insert or update messages and their conversations' summary rows.

    A status never moves back to a lower rank; a conversation's summary follows its newest
    message by (timestamp, id).
    """
    conn.executemany(
        f"INSERT INTO messages ({_MESSAGE_COLUMNS}, status_rank) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
        "conversation_id = excluded.conversation_id, ts = excluded.ts, body = excluded.body, "
        "type = excluded.type, sender_name = coalesce(excluded.sender_name, sender_name), "
        "phone = coalesce(excluded.phone, phone), "
        "ticket_id = coalesce(excluded.ticket_id, ticket_id), media = excluded.media, "
        "client_id = coalesce(excluded.client_id, client_id), "
        "error = coalesce(excluded.error, error), "
        "status = CASE WHEN excluded.status_rank >= status_rank "
        "THEN excluded.status ELSE status END, "
        "status_rank = max(excluded.status_rank, status_rank)",
        [_message_row(m) for m in messages],
    )
    acked = [(m.client_id,) for m in messages if m.client_id and not m.is_local]
    if acked:
        # The server's copy of a message composed here arrived: its placeholder is redundant.
        conn.executemany(
            "DELETE FROM messages WHERE id = ? || ?", [(LOCAL_ID_PREFIX, *a) for a in acked]
        )
        conn.executemany("DELETE FROM outbox WHERE client_id = ?", acked)
    conn.executemany(
        "INSERT INTO conversations (id, title, phone, is_group, last_ts, last_id, last_preview,"
        " last_direction) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
        "title = CASE WHEN excluded.last_direction = 'incoming' AND NOT is_group "
        "AND excluded.title != '' THEN excluded.title ELSE title END, "
        "phone = coalesce(phone, excluded.phone), "
        "last_ts = excluded.last_ts, last_id = excluded.last_id, "
        "last_preview = excluded.last_preview, last_direction = excluded.last_direction "
        "WHERE (excluded.last_ts, excluded.last_id) >= (last_ts, last_id)",
        [_conversation_row(m) for m in messages],
    )


def _upgrade(conn: sqlite3.Connection) -> None:
    """Bring a cache written by an older version up to `SCHEMA_VERSION`, in place."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = int(row[0]) if row is not None else 0  # 0: a new file, nothing to rewrite
    if version >= SCHEMA_VERSION:
        return
    if 0 < version < 2:
        # Version 1 wrote "[image]" for a message without text, which a customer can type
        # too: rewrite only the previews whose cached last message really has no text.
        conn.execute(
            "UPDATE conversations SET last_preview = ? || m.type FROM messages AS m "
            "WHERE m.id = conversations.last_id AND m.type != 'text' AND m.body = '' "
            "AND coalesce(json_extract(m.media, '$.caption'), '') = '' "
            "AND conversations.last_preview = '[' || m.type || ']'",
            (KIND_MARK,),
        )
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


def _message_row(m: Message) -> tuple[Any, ...]:
    media = None
    if m.media is not None:
        media = json.dumps({"type": m.media.type, "url": m.media.url, "caption": m.media.caption})
    return (
        m.id,
        m.conversation_id,
        m.timestamp,
        m.direction.value,
        m.status.value,
        m.body,
        str(m.type),
        m.sender_name,
        m.phone,
        m.ticket_id,
        media,
        m.client_id,
        m.error,
        int(m.is_group),
        m.status.rank,
    )


def _conversation_row(m: Message) -> tuple[Any, ...]:
    title = (m.sender_name if m.direction is Direction.INCOMING else None) or ""
    return (
        m.conversation_id,
        title or m.phone or m.conversation_id,
        m.phone,
        int(m.is_group),
        m.timestamp,
        m.id,
        conversation_preview(m),
        m.direction.value,
    )


def _message(row: Sequence[Any]) -> Message:
    media = None
    if row[10]:
        raw = json.loads(row[10])
        media = MediaInfo(
            type=raw.get("type") or "", url=raw.get("url"), caption=raw.get("caption")
        )
    try:
        msg_type: MessageType | str = MessageType(row[6])
    except ValueError:
        msg_type = row[6]
    return Message(
        id=row[0],
        conversation_id=row[1],
        timestamp=row[2],
        direction=Direction(row[3]),
        status=DeliveryStatus(row[4]),
        body=row[5],
        type=msg_type,
        sender_name=row[7],
        phone=row[8],
        ticket_id=row[9],
        media=media,
        client_id=row[11],
        error=row[12],
        is_group=bool(row[13]),
    )


def _conversation(row: Sequence[Any]) -> Conversation:
    return Conversation(
        id=row[0],
        title=row[1],
        phone=row[2],
        is_group=bool(row[3]),
        last_activity=row[4],
        last_preview=row[5],
        last_direction=Direction(row[6]) if row[6] else None,
    )


def _ticket_row(t: Ticket) -> tuple[Any, ...]:
    return (
        t.id,
        t.number,
        t.conversation_id,
        t.title,
        t.status.value,
        t.priority.value,
        t.description,
        t.contact_id,
        t.assignee_id,
        t.created_at,
        t.updated_at,
    )


def _ticket(row: Sequence[Any]) -> Ticket:
    return Ticket(
        id=row[0],
        number=row[1],
        conversation_id=row[2],
        title=row[3],
        status=TicketStatus(row[4]),
        priority=Priority(row[5]),
        description=row[6],
        contact_id=row[7],
        assignee_id=row[8],
        created_at=row[9],
        updated_at=row[10],
    )
