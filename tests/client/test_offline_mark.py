"""A message read back from the gateway's history (`offline: true`) says so in the thread.

Parsed from the wire, kept by the cache across restarts (and added to a cache written by
the previous version, which had no such column), and shown as a muted note on its bubble.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from sportello.client.cache import Cache
from sportello.client.cache_tables import SCHEMA_VERSION
from sportello.client.records import Message
from sportello.client.wire import parse_message
from sportello.domain.values import Direction
from sportello.ui.thread_delegate import MessageDelegate

WIRE = {
    "id": "41",
    "conversationId": "7",
    "direction": "incoming",
    "body": "Siete aperti sabato?",
    "timestamp": "2026-12-07T08:00:00.000Z",
    "offline": True,
}


def test_the_wire_field_is_read() -> None:
    parsed = parse_message(WIRE)
    assert isinstance(parsed, Message) and parsed.offline
    plain = parse_message({**WIRE, "offline": None})
    assert isinstance(plain, Message) and not plain.offline


async def test_the_cache_keeps_it_and_a_later_copy_never_clears_it(tmp_path: Path) -> None:
    message = parse_message(WIRE)
    assert isinstance(message, Message)
    cache = Cache(tmp_path / "c.db")
    await cache.open()
    cache.put_messages([message])
    cache.put_messages([replace(message, offline=False)])  # a webhook's copy, say
    await cache.flush()
    await cache.close()
    again = Cache(tmp_path / "c.db")
    await again.open()
    kept = await again.message("41")
    await again.close()
    assert kept is not None and kept.offline


async def test_a_cache_of_the_previous_version_gets_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    cache = Cache(path)
    await cache.open()
    await cache.close()
    with sqlite3.connect(path) as conn:  # as version 2 left it: no offline column
        conn.execute("ALTER TABLE messages DROP COLUMN offline")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    upgraded = Cache(path)
    await upgraded.open()
    message = parse_message(WIRE)
    assert isinstance(message, Message)
    upgraded.put_messages([message])
    await upgraded.flush()
    kept = await upgraded.message("41")
    version = await upgraded.meta("schema_version")
    await upgraded.close()
    assert kept is not None and kept.offline
    assert version == str(SCHEMA_VERSION)


def test_the_bubble_says_it_came_late() -> None:
    message = parse_message(WIRE)
    assert isinstance(message, Message)
    assert MessageDelegate._note(message) == "Arrived while Sportello was offline"
    typed = replace(message, direction=Direction.OUTGOING)
    assert MessageDelegate._note(typed) == "Sent from the phone while Sportello was offline"
    assert MessageDelegate._note(replace(message, offline=False)) == ""
