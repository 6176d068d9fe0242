"""The cache file's tables: their schema, its upgrades, and records as rows and back.

Kept apart from `Cache` (cache.py), which decides what is stored when and on which thread:
this module only says how a `Message`, `Conversation` or `Ticket` is laid out in SQLite, so
a column change is made here once, for the writes and the reads alike.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from sportello.client.records import (
    KIND_MARK,
    LOCAL_ID_PREFIX,
    Conversation,
    MediaInfo,
    Message,
    ReplyMark,
    Ticket,
    conversation_preview,
)
from sportello.domain.values import DeliveryStatus, Direction, MessageType, Priority, TicketStatus

SCHEMA_VERSION = 3  # 2: a preview without text is KIND_MARK + type (1 wrote "[type]")
# 3: messages.offline (read back from the gateway's history)
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
    media TEXT, client_id TEXT, error TEXT, is_group INTEGER NOT NULL DEFAULT 0,
    offline INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_thread ON messages (conversation_id, ts, id);
CREATE INDEX IF NOT EXISTS messages_unread ON messages (conversation_id, ts)
    WHERE direction = 'incoming' AND status != 'read';
CREATE INDEX IF NOT EXISTS messages_replies ON messages (conversation_id, ts, id)
    WHERE direction = 'outgoing';
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

MESSAGE_COLUMNS = (
    "id, conversation_id, ts, direction, status, body, type, sender_name, phone, "
    "ticket_id, media, client_id, error, is_group, offline"
)


def create_tables(conn: sqlite3.Connection) -> None:
    """Make a new file's tables, or bring an older version's up to `SCHEMA_VERSION`."""
    conn.executescript(_SCHEMA)
    _upgrade(conn)


def _upgrade(conn: sqlite3.Connection) -> None:
    """Bring a cache written by an older version up to `SCHEMA_VERSION`, in place."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = int(row[0]) if row is not None else 0  # 0: a new file, nothing to rewrite
    if version >= SCHEMA_VERSION:
        return
    if 0 < version < 3:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(messages)")}
        if "offline" not in columns:
            conn.execute("ALTER TABLE messages ADD COLUMN offline INTEGER NOT NULL DEFAULT 0")
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


def upsert_messages(conn: sqlite3.Connection, messages: Sequence[Message]) -> None:
    """Insert or update messages and their conversations' summary rows.

    A status never moves back to a lower rank; a conversation's summary follows its newest
    message by (timestamp, id).
    """
    conn.executemany(
        f"INSERT INTO messages ({MESSAGE_COLUMNS}, status_rank) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
        "conversation_id = excluded.conversation_id, ts = excluded.ts, body = excluded.body, "
        "type = excluded.type, sender_name = coalesce(excluded.sender_name, sender_name), "
        "phone = coalesce(excluded.phone, phone), "
        "ticket_id = coalesce(excluded.ticket_id, ticket_id), media = excluded.media, "
        "client_id = coalesce(excluded.client_id, client_id), "
        "error = coalesce(excluded.error, error), offline = max(excluded.offline, offline), "
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
        int(m.offline),
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


def message_from_row(row: Sequence[Any]) -> Message:
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
        offline=bool(row[14]),
    )


# A row and its newest reply (the "not sent" mark): one index seek per row on the partial
# index of replies, so the first page and the 10,000-row load stay keyset reads.
CONVERSATION_SELECT = (
    "SELECT c.id, c.title, c.phone, c.is_group, c.last_ts, c.last_preview, c.last_direction, "
    "r.id, r.ts, r.status, r.error FROM conversations AS c LEFT JOIN messages AS r ON r.id = "
    "(SELECT m.id FROM messages AS m WHERE m.conversation_id = c.id AND m.direction = "
    "'outgoing' ORDER BY m.ts DESC, m.id DESC LIMIT 1) "
)


def conversation_from_row(row: Sequence[Any]) -> Conversation:
    """A row of `CONVERSATION_SELECT`."""
    reply = None
    if row[7] is not None:
        reply = ReplyMark(row[7], row[8], DeliveryStatus(row[9]), row[10])
    return Conversation(
        id=row[0],
        title=row[1],
        phone=row[2],
        is_group=bool(row[3]),
        last_activity=row[4],
        last_preview=row[5],
        last_direction=Direction(row[6]) if row[6] else None,
        last_reply=reply,
    )


def ticket_row(t: Ticket) -> tuple[Any, ...]:
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


def ticket_from_row(row: Sequence[Any]) -> Ticket:
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
