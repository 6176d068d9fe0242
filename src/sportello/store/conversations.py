"""Conversations: one per contact (or group chat), newest activity first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, literal, or_, select, update
from sqlalchemy.orm import Session

from sportello.domain.values import OPEN_TICKET_STATUSES, Direction, Gateway, Priority
from sportello.store.dialect import connection_of, dialect_insert
from sportello.store.models import UNREAD_WHERE, Contact, Conversation, Message, Ticket, table_of
from sportello.store.tickets import OPEN_TICKET_SQL, OpenTicketRef
from sportello.store.types import UtcDateTime

# (last_message_at, id) of the last row of a page: the next page starts strictly after it.
ConversationCursor = tuple[datetime, int]


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    conversation: Conversation
    contact: Contact
    last_message: Message | None
    unread_count: int
    open_ticket: Ticket | None


@dataclass(frozen=True, slots=True)
class ConversationPage:
    items: list[ConversationSummary]
    next_cursor: ConversationCursor | None  # None when this is the last page


_conversations = table_of(Conversation)


@cache
def _upsert_statement(dialect_name: str, incoming: bool) -> Any:
    # Built once per engine kind and direction: the ingestion runs it for every message.
    insert = dialect_insert(dialect_name, _conversations)
    columns = _conversations.c
    # Messages arrive out of order: the clocks only move forward.
    set_: dict[str, Any] = {
        "last_message_at": _later(insert.excluded.last_message_at, columns.last_message_at),
    }
    if incoming:
        set_["last_inbound_at"] = _later(insert.excluded.last_inbound_at, columns.last_inbound_at)
        set_["gateway"] = insert.excluded.gateway
        set_["account"] = func.coalesce(insert.excluded.account, columns.account)
    # The contact's open ticket comes back with the same round trip. Safe because the
    # caller's contact upsert already holds the contact row lock, and on PostgreSQL this
    # statement's snapshot is taken after that lock was granted: a ticket committed by the
    # transaction we waited for is visible here.
    tickets = table_of(Ticket).c
    newest_open = (
        select(tickets.id)
        .where(tickets.contact_id == bindparam("ticket_contact_id"), OPEN_TICKET_SQL)
        .order_by(tickets.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    priority = select(tickets.priority).where(tickets.id == newest_open).scalar_subquery()
    return insert.on_conflict_do_update(index_elements=[columns.contact_id], set_=set_).returning(
        columns.id, newest_open, priority
    )


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """The contact's conversation after the upsert, and the contact's open ticket if any."""

    id: int
    open_ticket: OpenTicketRef | None


def upsert_conversation(
    session: Session | Connection,
    contact_id: int,
    *,
    gateway: Gateway,
    account: str | None,
    message_at: datetime,
    direction: Direction,
    now: datetime,
) -> ConversationRef:
    """The contact's conversation, created on first contact; moves its clock forward.

    An incoming message also makes its gateway and account the ones to reply through.
    Call it after `upsert_contact` in the same transaction (see the note on the ticket).
    """
    incoming = direction is Direction.INCOMING
    connection = connection_of(session)
    conversation_id, ticket_id, priority = connection.execute(
        _upsert_statement(connection.dialect.name, incoming),
        {
            "contact_id": contact_id,
            "ticket_contact_id": contact_id,
            "gateway": gateway,
            "account": account,
            "last_message_at": message_at,
            "last_inbound_at": message_at if incoming else None,
            "created_at": now,
        },
    ).one()
    ticket = None if ticket_id is None else OpenTicketRef(int(ticket_id), Priority(priority))
    return ConversationRef(int(conversation_id), ticket)


def _later(new: object, current: object) -> object:
    return case(
        (or_(current.is_(None), new > current), new),  # type: ignore[attr-defined,operator]
        else_=current,
    )


def touch_conversation(session: Session, conversation_id: int, message_at: datetime) -> None:
    """Move last_message_at forward for a message written outside the ingestion (replies)."""
    session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(
            last_message_at=_later(literal(message_at, UtcDateTime()), Conversation.last_message_at)
        )
    )


def get_conversation(session: Session, conversation_id: int) -> tuple[Conversation, Contact] | None:
    row = session.execute(
        select(Conversation, Contact)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.id == conversation_id)
    ).one_or_none()
    if row is None:
        return None
    conversation, contact = row
    return conversation, contact


def list_conversations(
    session: Session, *, limit: int = 50, before: ConversationCursor | None = None
) -> ConversationPage:
    """Newest activity first, with unread count, last message and open ticket of each."""
    query = (
        select(Conversation, Contact)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(Conversation.last_message_at.is_not(None))
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        at, conversation_id = before
        query = query.where(
            or_(
                Conversation.last_message_at < at,
                and_(Conversation.last_message_at == at, Conversation.id < conversation_id),
            )
        )
    rows = [(conversation, contact) for conversation, contact in session.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [conversation.id for conversation, _ in rows]
    unread = unread_counts(session, ids)
    last = _last_messages(session, ids)
    tickets = _open_tickets(session, ids)
    items = [
        ConversationSummary(
            conversation=conversation,
            contact=contact,
            last_message=last.get(conversation.id),
            unread_count=unread.get(conversation.id, 0),
            open_ticket=tickets.get(conversation.id),
        )
        for conversation, contact in rows
    ]
    next_cursor = None
    if more and rows:
        tail = rows[-1][0]
        assert tail.last_message_at is not None  # filtered by the query
        next_cursor = (tail.last_message_at, tail.id)
    return ConversationPage(items=items, next_cursor=next_cursor)


def unread_counts(session: Session, conversation_ids: list[int]) -> dict[int, int]:
    """Unread incoming messages per conversation (read by any operator = read)."""
    if not conversation_ids:
        return {}
    rows = session.execute(
        select(Message.conversation_id, func.count())
        .where(Message.conversation_id.in_(conversation_ids), UNREAD_WHERE)
        .group_by(Message.conversation_id)
    )
    return {conversation_id: int(count) for conversation_id, count in rows}


def _last_messages(session: Session, conversation_ids: list[int]) -> dict[int, Message]:
    if not conversation_ids:
        return {}
    newest = (
        select(Message.id)
        .where(Message.conversation_id == Conversation.id)
        .order_by(Message.timestamp.desc(), Message.id.desc())
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )
    ids = select(newest).where(Conversation.id.in_(conversation_ids))
    messages = session.execute(select(Message).where(Message.id.in_(ids))).scalars()
    return {message.conversation_id: message for message in messages}


def _open_tickets(session: Session, conversation_ids: list[int]) -> dict[int, Ticket]:
    if not conversation_ids:
        return {}
    tickets = session.execute(
        select(Ticket)
        .where(
            Ticket.conversation_id.in_(conversation_ids),
            Ticket.status.in_(OPEN_TICKET_STATUSES),
        )
        .order_by(Ticket.id)
    ).scalars()
    # The newest open ticket wins if, unusually, a conversation has several.
    return {ticket.conversation_id: ticket for ticket in tickets}
