"""The words a console uses for messages it cannot show (issue 8), thread and list alike."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from sportello.client.cache import Cache
from sportello.client.cache_tables import SCHEMA_VERSION
from sportello.client.records import KIND_MARK, MediaInfo, Message, conversation_preview
from sportello.domain.values import DeliveryStatus, Direction, MessageType
from sportello.ui.conversation_model import is_unsupported_preview, shown_preview
from sportello.ui.thread_model import unsupported_text, unsupported_type

BASE = Message("1", "c1", "2026-01-01T10:00:00Z", Direction.INCOMING, DeliveryStatus.READ, "")


def test_a_type_the_client_does_not_know_is_named_in_the_thread_and_the_list() -> None:
    poll = replace(BASE, type="poll_creation")
    assert unsupported_type(poll) == "poll_creation"
    assert unsupported_text("poll_creation") == "Unsupported message (poll_creation)"
    assert shown_preview(conversation_preview(poll)) == "Unsupported message (poll_creation)"
    assert is_unsupported_preview(conversation_preview(poll))


def test_unsupported_without_a_word_says_so_without_empty_brackets() -> None:
    odd = replace(BASE, type=MessageType.UNSUPPORTED)
    assert unsupported_type(odd) == ""
    assert shown_preview(conversation_preview(odd)) == "Unsupported message"


def test_known_kinds_and_text_are_not_unsupported() -> None:
    assert unsupported_type(replace(BASE, body="Ciao")) is None
    assert unsupported_type(replace(BASE, type=MessageType.IMAGE)) is None
    photo = conversation_preview(replace(BASE, type=MessageType.IMAGE))
    assert shown_preview(photo) == "Photo" and not is_unsupported_preview(photo)
    captioned = replace(BASE, type=MessageType.IMAGE, media=MediaInfo("image", None, "Il guasto"))
    assert shown_preview(conversation_preview(captioned)) == "Il guasto"
    assert shown_preview("Ciao [a tutti]") == "Ciao [a tutti]"


def test_a_customer_who_writes_a_kind_in_brackets_sees_the_text() -> None:
    for words in ("[ok]", "[image]", "[poll_creation]", "[unsupported]"):
        preview = conversation_preview(replace(BASE, body=words))
        assert shown_preview(preview) == words and not is_unsupported_preview(preview)
    pasted = conversation_preview(replace(BASE, body=KIND_MARK + "image"))  # the mark itself
    assert shown_preview(pasted) == "image" and not is_unsupported_preview(pasted)


async def test_a_cache_written_by_the_previous_version_reads_right_after_the_upgrade(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cache.sqlite3"
    old = Cache(path)
    await old.open()
    photo = replace(BASE, id="p1", conversation_id="photo", type=MessageType.IMAGE)
    said = replace(BASE, id="t1", conversation_id="text", body="[image]")
    old.put_messages([photo, said])
    await old.close()
    with sqlite3.connect(path) as conn:  # as version 1 left it: "[kind]" previews
        conn.execute("UPDATE conversations SET last_preview = '[image]'")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")

    cache = Cache(path)
    await cache.open()
    shown = {c.id: shown_preview(c.last_preview) for c in await cache.conversations_page(10)}
    assert shown == {"photo": "Photo", "text": "[image]"}  # the type decides, not the text
    assert await cache.meta("schema_version") == str(SCHEMA_VERSION)  # 2 and what followed
    await cache.close()
