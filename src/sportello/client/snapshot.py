"""A first start without replaying the event log: the server's current picture, read by REST.

A client whose cache has never applied an event (last seq 0) would otherwise `sync` from 0
and replay the server's whole history. Instead the session takes the `cursor` of
`authenticated`, reads the lists below, stores them, and syncs from that cursor. Every list
is read after the cursor, so it already reflects some events after it: those come again in
`sync` and are applied a second time, which is harmless because applying is idempotent
(ids are keys, unread is a set of message ids, statuses only move forward) and ordered (the
replay ends on the newest version of everything it touches).

What is read (docs/protocol.md 2, docs/client.md "First start"):
- `GET /api/conversations`: every conversation with its last message;
- `GET /api/unread` (ours): every unread incoming message (the unread index is per message);
- `GET /api/tickets`: every ticket, any status (the rows and the ticket pane show them).
Older history is not read here: a thread's pages come from the server when it is opened.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sportello.client.errors import FeatureUnavailable, ServerRejected
from sportello.client.records import Conversation, Message, Ticket, conversation_preview
from sportello.client.reply_marks import newer_reply
from sportello.client.rest import RestApi
from sportello.client.wire import (
    WireError,
    normalize_timestamp,
    parse_message,
    parse_ticket,
    phone_id,
)
from sportello.domain.values import Direction

log = logging.getLogger(__name__)

CONVERSATIONS_PAGE = 200  # the server's maximum for lists
TICKETS_PAGE = 200
UNREAD_PAGE = 1000  # the maximum of GET /api/unread: rows are small
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The server's picture, read after event `cursor` (and so at `cursor` or later)."""

    cursor: int
    conversations: list[Conversation]  # newest activity first
    last_messages: list[Message]
    unread: list[Message]
    tickets: list[Ticket]


async def read_snapshot(
    rest: RestApi,
    cursor: int,
    first_rows: Callable[[list[Conversation]], None] | None = None,
) -> Snapshot:
    """Read the three lists (concurrently). Raises ClientError; FeatureUnavailable from a
    server without `GET /api/unread` (the caller then replays the log as before).

    `first_rows` gets the newest conversations as soon as their page arrives, with the
    server's unread counts and open tickets, so the window paints before the rest is read.
    """

    def first_page(page: list[tuple[Conversation, Message | None]]) -> None:
        if first_rows is not None:
            first_rows([conv for conv, _ in page])

    try:
        async with asyncio.TaskGroup() as group:
            conversations = group.create_task(
                _walk(_conversations_page(rest), CONVERSATIONS_PAGE, first_page)
            )
            unread = group.create_task(_walk(rest.unread_page, UNREAD_PAGE))
            tickets = group.create_task(_walk(rest.tickets_page, TICKETS_PAGE))
    except ExceptionGroup as failed:
        raise _first_failure(failed) from None
    rows = conversations.result()
    return Snapshot(
        cursor=cursor,
        conversations=[conv for conv, _ in rows],
        last_messages=[last for _, last in rows if last is not None],
        unread=unread.result(),
        tickets=tickets.result(),
    )


def _first_failure(group: BaseExceptionGroup[Exception]) -> Exception:
    """The failure to report: "not offered" first (the caller falls back on it)."""
    leaves: list[Exception] = []
    pending: list[BaseException] = [group]
    while pending:
        error = pending.pop(0)
        if isinstance(error, BaseExceptionGroup):
            pending.extend(error.exceptions)
        elif isinstance(error, Exception):
            leaves.append(error)
    unavailable = [e for e in leaves if isinstance(e, FeatureUnavailable)]
    return (unavailable or leaves or [RuntimeError(str(group))])[0]


Fetch = Callable[[int, str | None], Awaitable[tuple[list[T], str | None]]]


async def _walk(
    fetch: Fetch[T], size: int, first_page: Callable[[list[T]], None] | None = None
) -> list[T]:
    items: list[T] = []
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        page, cursor = await fetch(size, cursor)
        if first_page is not None and not items:
            first_page(page)
        items.extend(page)
        if cursor is None:
            return items
        if cursor in seen:  # a server bug would otherwise loop forever
            raise ServerRejected(f"reading the server's lists: cursor {cursor!r:.40} repeats")
        seen.add(cursor)


def _conversations_page(rest: RestApi) -> Fetch[tuple[Conversation, Message | None]]:
    async def fetch(
        limit: int, before: str | None
    ) -> tuple[list[tuple[Conversation, Message | None]], str | None]:
        items, cursor = await rest.list_page(
            "/api/conversations", "conversations", limit, before, "loading the conversations"
        )
        rows = []
        for item in items:
            parsed = parse_conversation(item)
            if isinstance(parsed, WireError):
                log.warning("%s", parsed)
                continue
            rows.append(parsed)
        return rows, None if cursor is None else str(cursor)

    return fetch


def parse_conversation(item: object) -> tuple[Conversation, Message | None] | WireError:
    """An item of `GET /api/conversations` -> the row and its last message.

    The row is what applying the conversation's messages in order would have produced: the
    title is the contact's name (the server keeps the newest name a customer sent, which is
    what the row takes from each incoming message), else the phone. `unread_count` and
    `ticket` (the open one) are the server's, for a first paint: the state derives both
    again from the unread messages and the tickets.
    """
    what = "conversation list"
    if not isinstance(item, Mapping) or item.get("id") in (None, ""):
        return WireError(what, "item without id")
    conversation_id = str(item["id"])
    contact: Mapping[str, Any] = item.get("contact") or {}
    if not isinstance(contact, Mapping):
        return WireError(what, f"conversation {conversation_id}: contact is not an object")
    last = _last_message(item.get("lastMessage"), conversation_id, what)
    if isinstance(last, WireError):
        return last
    phone = _contact_phone(contact, last)
    name = _contact_name(contact, last)
    ticket = _open_ticket(item.get("ticket"))
    unread = item.get("unreadCount")
    is_group = bool(contact.get("isGroup", last.is_group if last else False))
    last_activity, last_preview, last_direction = _last_activity(item, last)
    conv = Conversation(
        id=conversation_id,
        title=name or phone or conversation_id,
        phone=phone,
        is_group=is_group,
        last_activity=last_activity,
        last_preview=last_preview,
        last_direction=last_direction,
        unread_count=unread if isinstance(unread, int) and unread > 0 else 0,
        ticket=ticket,
        last_reply=newer_reply(None, last) if last is not None else None,
    )
    return conv, last


def _last_message(data: object, conversation_id: str, what: str) -> Message | WireError | None:
    """The item's `lastMessage`, filed under the item's conversation; None when it has none."""
    if not isinstance(data, Mapping):
        return None
    parsed = parse_message(data, what)
    if isinstance(parsed, WireError):
        return parsed
    return replace(parsed, conversation_id=conversation_id, notification=None)


def _contact_phone(contact: Mapping[str, Any], last: Message | None) -> str | None:
    """The last message's phone, else the contact's number (or chat id) for display."""
    if last is not None and last.phone:
        return last.phone
    phone_raw = contact.get("phoneNumber") or contact.get("chatId")
    if isinstance(phone_raw, str) and phone_raw:
        return phone_id(phone_raw).display
    return None


def _contact_name(contact: Mapping[str, Any], last: Message | None) -> str | None:
    """The contact's name, else the last message's sender (as applying it would have set)."""
    name = contact.get("name")
    if isinstance(name, str) and name:
        return name
    if last is not None and last.sender_name:
        return last.sender_name
    return None


def _open_ticket(data: object) -> Ticket | None:
    """The item's open ticket; None when it has none or a malformed one (all tickets are read
    again from their own list)."""
    if not isinstance(data, Mapping):
        return None
    ticket = parse_ticket(data)
    return None if isinstance(ticket, WireError) else ticket


def _last_activity(
    item: Mapping[str, Any], last: Message | None
) -> tuple[str, str, Direction | None]:
    """When, what and which way the row last moved: from its last message, else from the
    server's `lastMessageAt` alone."""
    if last is None:
        return normalize_timestamp(item.get("lastMessageAt")), "", None
    return last.timestamp, conversation_preview(last), last.direction
