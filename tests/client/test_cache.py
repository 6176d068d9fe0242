"""The local cache: a real SQLite file, keyset pages on indexes, the outbox across restarts."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sportello.client.cache import Cache, OutboxEntry
from sportello.client.cache_tables import CONVERSATION_SELECT, upsert_messages
from sportello.client.records import Message
from sportello.domain.values import DeliveryStatus, Direction, iso_utc

BASE = datetime(2024, 5, 6, tzinfo=UTC)


def msg(
    mid: str,
    conv: str,
    second: int,
    status: DeliveryStatus = DeliveryStatus.RECEIVED,
    direction: Direction = Direction.INCOMING,
) -> Message:
    return Message(
        id=mid,
        conversation_id=conv,
        timestamp=iso_utc(BASE + timedelta(seconds=second)),
        direction=direction,
        status=status,
        body=f"testo {mid}",
        sender_name="Mario",
    )


async def test_thread_pages_walk_back_by_timestamp_and_id(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.db")
    await cache.open()
    cache.put_messages([msg(f"m{i:03d}", "a", i) for i in range(120)])
    await cache.flush()
    first = await cache.messages_page("a", 50)
    second = await cache.messages_page("a", 50, first[-1].sort_key)
    third = await cache.messages_page("a", 50, second[-1].sort_key)
    ids = [m.id for m in first + second + third]
    assert ids == [f"m{i:03d}" for i in reversed(range(120))]
    await cache.close()


async def test_status_never_moves_back_and_read_cascades(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.db")
    await cache.open()
    out = msg("o1", "a", 10, DeliveryStatus.SENT, Direction.OUTGOING)
    cache.put_messages([msg("i1", "a", 1), msg("i2", "a", 2), msg("i3", "a", 3), out])
    cache.set_status("o1", DeliveryStatus.DELIVERED, None)
    cache.set_status("o1", DeliveryStatus.SENT, None)
    cache.put_messages([out])  # a replayed newMessage with the older status
    cache.mark_read("i2", cascade=True)
    await cache.flush()
    assert (await cache.message("o1")).status is DeliveryStatus.DELIVERED  # type: ignore[union-attr]
    assert [row[1] for row in await cache.unread_index()] == ["i3"]
    conversations = await cache.conversations_page(10)
    assert conversations[0].last_preview == "testo o1"
    await cache.close()


async def test_last_seq_and_outbox_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    cache = Cache(path)
    await cache.open()
    entry = OutboxEntry("cid-1", "a", None, "Arrivo alle 15", "2024-05-06T10:00:00.000Z")
    await cache.outbox_add(
        entry, msg("local:cid-1", "a", 5, DeliveryStatus.QUEUED, Direction.OUTGOING)
    )
    cache.set_last_seq(42)
    await cache.close()

    reopened = Cache(path)
    await reopened.open()
    assert await reopened.last_seq() == 42
    assert [e.client_id for e in await reopened.outbox_entries()] == ["cid-1"]
    await reopened.close()


def test_opening_a_thread_and_the_list_use_indexes_not_scans(tmp_path: Path) -> None:
    """The query plans: what makes a 100,000-message thread open as fast as a small one."""
    import asyncio

    async def create() -> None:
        cache = Cache(tmp_path / "c.db")
        await cache.open()
        await cache.close()

    asyncio.run(create())
    conn = sqlite3.connect(tmp_path / "c.db")
    thread_plan = " ".join(
        str(row[3])
        for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM messages WHERE conversation_id = ? "
            "AND (ts, id) < (?, ?) ORDER BY ts DESC, id DESC LIMIT 50",
            ("a", "x", "y"),
        )
    )
    list_plan = " ".join(
        str(row[3])
        for row in conn.execute(
            "EXPLAIN QUERY PLAN " + CONVERSATION_SELECT + "WHERE (c.last_ts, c.id) < (?, ?) "
            "ORDER BY c.last_ts DESC, c.id DESC LIMIT 200",
            ("x", "y"),
        )
    )
    conn.close()
    assert "messages_thread" in thread_plan and "TEMP B-TREE" not in thread_plan
    assert "conversations_recent" in list_plan and "TEMP B-TREE" not in list_plan
    # Each row's newest reply (its "not sent" mark) is one seek on the replies' own index.
    assert "messages_replies" in list_plan and "SCAN" not in list_plan


async def test_a_big_cache_opens_with_bounded_reads(tmp_path: Path) -> None:
    """10,000 conversations and a 100,000-message thread: pages come back right and small."""
    path = tmp_path / "big.db"
    cache = Cache(path)
    await cache.open()
    big = [msg(f"b{i:06d}", "big", i) for i in range(100_000)]
    others = [msg(f"o{i:05d}", f"c{i:05d}", i % 80_000) for i in range(10_000)]
    cache.write(lambda conn: upsert_messages(conn, big))
    cache.write(lambda conn: upsert_messages(conn, others))
    await cache.flush()
    newest = await cache.messages_page("big", 50)
    assert newest[0].id == "b099999" and len(newest) == 50
    page = await cache.conversations_page(200)
    assert len(page) == 200 and page[0].id == "big"
    assert len(await cache.unread_index()) == 110_000
    await cache.close()


async def test_a_rows_failed_reply_is_read_back_with_it_and_a_retry_clears_it(
    tmp_path: Path,
) -> None:
    """The list's "not sent" mark survives a restart: the row comes back with its newest
    reply, whatever the customer wrote after it; the retry's status replaces `failed`."""
    cache = Cache(tmp_path / "c.db")
    await cache.open()
    reply = msg("r1", "a", 10, DeliveryStatus.SENT, Direction.OUTGOING)
    cache.put_messages([msg("m0", "a", 5), reply, msg("m2", "a", 20)])
    cache.set_status("r1", DeliveryStatus.FAILED, "no WhatsApp")
    await cache.flush()
    (row,) = await cache.conversations_page(10)
    assert row.last_reply is not None and row.reply_failed
    assert (row.last_reply.id, row.last_reply.error) == ("r1", "no WhatsApp")
    assert row.last_direction is Direction.INCOMING  # the customer wrote after it

    cache.set_status("r1", DeliveryStatus.QUEUED, None, retry=True)
    await cache.flush()
    (row,) = await cache.conversations_page(10)
    assert row.last_reply is not None and row.last_reply.status is DeliveryStatus.QUEUED
    assert row.last_reply.error is None
    await cache.close()
