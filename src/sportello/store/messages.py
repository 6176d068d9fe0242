"""Messages: insertion keyed by the gateway's id, threads, unread state, delivery status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.orm import Session

from sportello.domain.values import DeliveryStatus, Direction, Gateway, InboundMessage
from sportello.store.dialect import connection_of, dialect_insert
from sportello.store.models import UNREAD_WHERE, Contact, Conversation, Message, table_of

# (timestamp, id) of the oldest message of a page: the next (older) page starts after it.
MessageCursor = tuple[datetime, int]


@dataclass(frozen=True, slots=True)
class ThreadPage:
    messages: list[Message]  # newest first
    next_cursor: MessageCursor | None


@dataclass(frozen=True, slots=True)
class UnreadSummary:
    count: int  # every unread incoming message
    messages: list[tuple[Message, Contact]]  # the newest of them


_messages = table_of(Message)


@cache
def _insert_statement(dialect_name: str) -> Any:
    # Built once per engine kind: the ingestion runs it for every message.
    return (
        dialect_insert(dialect_name, _messages)
        .on_conflict_do_nothing(
            index_elements=[_messages.c.gateway, _messages.c.gateway_message_id]
        )
        .returning(_messages.c.id)
    )


def claim_unsent_reply(
    session: Session | Connection,
    *,
    conversation_id: int,
    gateway_message_id: str,
    body: str,
    now: datetime,
) -> int | None:
    """The gateway echoed one of our queued replies before we recorded its id: give the
    reply that id (status `sent`) and return it, instead of storing the echo as a new one."""
    connection = connection_of(session)
    found = connection.execute(
        select(_messages.c.id)
        .where(
            _messages.c.conversation_id == conversation_id,
            _messages.c.direction == Direction.OUTGOING,
            _messages.c.client_id.is_not(None),
            _messages.c.gateway_message_id.is_(None),
            _messages.c.status == DeliveryStatus.QUEUED,
            _messages.c.body == body,
        )
        .order_by(_messages.c.id)
        .limit(1)
        .with_for_update()
    ).scalar_one_or_none()
    if found is None:
        return None
    connection.execute(
        update(_messages)
        .where(_messages.c.id == found)
        .values(gateway_message_id=gateway_message_id, status=DeliveryStatus.SENT, status_at=now)
    )
    return int(found)


def insert_inbound(
    session: Session | Connection,
    msg: InboundMessage,
    *,
    conversation_id: int,
    ticket_id: int | None,
    status: DeliveryStatus,
    now: datetime,
) -> int | None:
    """Store a gateway message; None when (gateway, gateway message id) is already stored."""
    media = msg.media
    connection = connection_of(session)
    value = connection.execute(
        _insert_statement(connection.dialect.name),
        {
            "conversation_id": conversation_id,
            "gateway": msg.gateway,
            "gateway_message_id": msg.gateway_message_id,
            "direction": msg.direction,
            "status": status,
            "status_at": now,
            "type": msg.type,
            "body": msg.body,
            "media_type": media.type if media else None,
            "media_url": media.url if media else None,
            "media_caption": media.caption if media else None,
            "media_mime": media.mime_type if media else None,
            "media_filename": media.filename if media else None,
            "timestamp": msg.timestamp,
            "created_at": now,
            "sender_name": msg.sender_name,
            "author_id": msg.author_id,
            "raw": _json_ready(msg.raw),
            "ticket_id": ticket_id,
        },
    ).scalar_one_or_none()
    return None if value is None else int(value)


def find_by_gateway_id(
    session: Session, gateway: Gateway, gateway_message_id: str
) -> Message | None:
    return session.execute(
        select(Message).where(
            Message.gateway == gateway, Message.gateway_message_id == gateway_message_id
        )
    ).scalar_one_or_none()


def find_by_client_id(session: Session, client_id: str) -> Message | None:
    return session.execute(
        select(Message).where(Message.client_id == client_id)
    ).scalar_one_or_none()


def thread_page(
    session: Session,
    conversation_id: int,
    *,
    limit: int = 50,
    before: MessageCursor | None = None,
) -> ThreadPage:
    """A page of a conversation, newest first; `before` continues to older messages."""
    query = (
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.timestamp.desc(), Message.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        at, message_id = before
        query = query.where(
            or_(Message.timestamp < at, and_(Message.timestamp == at, Message.id < message_id))
        )
    messages = list(session.execute(query).scalars())
    more = len(messages) > limit
    messages = messages[:limit]
    cursor = (messages[-1].timestamp, messages[-1].id) if more and messages else None
    return ThreadPage(messages=messages, next_cursor=cursor)


def unread_count(session: Session) -> int:
    """All unread incoming messages (read by one operator = read for all)."""
    return int(
        session.execute(select(func.count()).select_from(Message).where(UNREAD_WHERE)).scalar_one()
    )


def unread_summary(session: Session, *, limit: int = 50) -> UnreadSummary:
    """The true unread total and the newest `limit` unread messages with their contacts."""
    rows = session.execute(
        select(Message, Contact)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(UNREAD_WHERE)
        .order_by(Message.timestamp.desc(), Message.id.desc())
        .limit(limit)
    )
    return UnreadSummary(
        count=unread_count(session), messages=[(message, contact) for message, contact in rows]
    )


def unread_page(
    session: Session, *, limit: int = 200, before: MessageCursor | None = None
) -> tuple[list[tuple[Message, Contact]], MessageCursor | None]:
    """Every unread incoming message, newest first, with its contact; keyset on the
    partial index ix_messages_unread_recent (a client's first-start snapshot)."""
    query = (
        select(Message, Contact)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(UNREAD_WHERE)
        .order_by(Message.timestamp.desc(), Message.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        at, message_id = before
        query = query.where(
            or_(Message.timestamp < at, and_(Message.timestamp == at, Message.id < message_id))
        )
    rows = [(message, contact) for message, contact in session.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = (rows[-1][0].timestamp, rows[-1][0].id) if more and rows else None
    return rows, cursor


def mark_read_up_to(
    session: Session, message: Message, operator_id: int, now: datetime
) -> list[int]:
    """Mark this incoming message and every earlier unread one of its conversation as read.

    Returns the ids this call changed (only rows still unread: a concurrent reader on
    PostgreSQL waits for the row lock, re-checks `read_at IS NULL` and skips them).
    """
    result = session.execute(
        update(Message)
        .where(
            Message.conversation_id == message.conversation_id,
            Message.direction == Direction.INCOMING,
            Message.read_at.is_(None),
            or_(
                Message.timestamp < message.timestamp,
                and_(Message.timestamp == message.timestamp, Message.id <= message.id),
            ),
        )
        .values(read_at=now, read_by=operator_id, status=DeliveryStatus.READ, status_at=now)
        .returning(Message.id)
    )
    return sorted(int(message_id) for message_id in result.scalars())


def _json_ready(raw: Mapping[str, Any]) -> dict[str, Any] | None:
    return dict(raw) if raw else None
